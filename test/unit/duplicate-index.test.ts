/**
 * `add()` refuses a file already in the list through an index of the live uploads (each
 * file checked in constant time, not against every upload): the same answers as comparing
 * against each one; an upload that ends or fails is deleted from it.
 */
import { describe, expect, it } from 'vitest'
import { createDuplicateIndex } from '../../src/core/uploader/input-checks'
import type { FileInfo } from '../../src/core'

const infoOf = (file: File, relativePath?: string): FileInfo => ({
  name: file.name,
  size: file.size,
  type: file.type,
  lastModified: file.lastModified,
  ...(relativePath ? { relativePath } : {}),
})

describe('createDuplicateIndex', () => {
  it('knows a file by identity, or by name, folder path, size and a known date', () => {
    const a = new File(['aaaa'], 'a.txt', { lastModified: 1000 })
    const index = createDuplicateIndex([{ file: a, info: infoOf(a) }])
    expect(index.has(a, infoOf(a))).toBe(true)
    // Picked again: another File object, the same description.
    const again = new File(['aaaa'], 'a.txt', { lastModified: 1000 })
    expect(index.has(again, infoOf(again))).toBe(true)
    // Any difference makes it another file.
    for (const other of [
      new File(['aaaa'], 'b.txt', { lastModified: 1000 }),
      new File(['aaaaa'], 'a.txt', { lastModified: 1000 }),
      new File(['aaaa'], 'a.txt', { lastModified: 2000 }),
    ])
      expect(index.has(other, infoOf(other))).toBe(false)
    expect(index.has(again, infoOf(again, 'sub/a.txt'))).toBe(false)
  })

  it('matches a file without a date by identity only, and grows with add()', () => {
    const undatedInfo = { name: 'x.bin', size: 1, type: '', lastModified: 0 } satisfies FileInfo
    const undated = new Blob(['x'])
    const index = createDuplicateIndex()
    expect(index.has(undated, undatedInfo)).toBe(false)
    index.add(undated, undatedInfo)
    expect(index.has(undated, undatedInfo)).toBe(true)
    expect(index.has(new Blob(['x']), { ...undatedInfo })).toBe(false)
  })

  it('keeps the parts of a description apart (a1 of 2 bytes is not a of 12)', () => {
    const index = createDuplicateIndex()
    const one = new File(['12'], 'a1', { lastModified: 5 })
    index.add(one, infoOf(one))
    const other = { name: 'a', size: 12, type: '', lastModified: 5 } satisfies FileInfo
    expect(index.has(new Blob(['x']), other)).toBe(false)
  })

  it('keeps a file indexed twice until it is deleted twice', () => {
    const index = createDuplicateIndex()
    const file = new File(['ab'], 'a.txt', { lastModified: 9 })
    const described = new File(['ab'], 'a.txt', { lastModified: 9 })
    index.add(file, infoOf(file))
    index.add(described, infoOf(described))
    index.delete(file, infoOf(file))
    // Still held by the other File of the same description, and no longer by identity alone.
    expect(index.has(file, infoOf(file))).toBe(true)
    index.delete(described, infoOf(described))
    expect(index.has(file, infoOf(file))).toBe(false)
    expect(index.has(described, infoOf(described))).toBe(false)
  })
})
