import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ChunkSet } from '../http-chunk/chunk-set'
import { PrefixHasher } from '../http-chunk/prefix-hasher'

describe('PrefixHasher: the server hashes while chunks arrive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vcu-prefix-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('hashes only the contiguous prefix and ends at the whole file’s MD5, in any arrival order', async () => {
    const chunkSize = 1024 * 1024
    const data = randomBytes(5 * chunkSize + 123)
    const path = join(dir, 'a.part')
    const handle = await open(path, 'w')
    const received = new ChunkSet(6)
    const hasher = new PrefixHasher(path, received, data.length, chunkSize)
    const write = async (index: number) => {
      const start = index * chunkSize
      await handle.write(data, start, Math.min(chunkSize, data.length - start), start)
      received.add(index)
      await hasher.advance()
    }
    for (const index of [2, 1, 5]) await write(index)
    expect(await hasher.digest()).toBeUndefined() // chunk 0 is missing: nothing to hash yet
    await write(0)
    expect(await hasher.digest()).toBeUndefined() // 3 is still missing
    for (const index of [4, 3]) await write(index)
    await handle.close()
    expect(await hasher.digest()).toBe(createHash('md5').update(data).digest('hex'))
  })

  it('gives up (undefined) once stopped, so an aborted upload is never hashed', async () => {
    const path = join(dir, 'b.part')
    const handle = await open(path, 'w')
    await handle.write(Buffer.alloc(10), 0, 10, 0)
    await handle.close()
    const received = new ChunkSet(1)
    received.add(0)
    const hasher = new PrefixHasher(path, received, 10, 1024 * 1024)
    hasher.stop()
    expect(await hasher.digest()).toBeUndefined()
  })
})
