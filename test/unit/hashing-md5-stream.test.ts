import { createHash } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { UploadError } from '../../src/core/errors'
import { md5OfBlob, sampleMd5 } from '../../src/hashing/md5-stream'
import { noisyBytes as bytes } from '../fakes/files'

const nodeMd5 = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex')

describe('md5OfBlob', () => {
  const slice = 1000
  it.each([0, 1, 999, 1000, 1001, 3 * 1000 + 17, 5 * 1000])(
    'equals node:crypto for %i bytes',
    async (size) => {
      const data = bytes(size)
      await expect(md5OfBlob(new Blob([data]), { sliceSize: slice })).resolves.toBe(nodeMd5(data))
    },
  )

  it('uses 4 MiB slices by default and matches over several of them', async () => {
    const data = bytes(9 * 1024 * 1024 + 3)
    const seen: number[] = []
    const hex = await md5OfBlob(new Blob([data]), { onProgress: (n) => seen.push(n) })
    expect(hex).toBe(nodeMd5(data))
    expect(seen).toEqual([4 * 1024 * 1024, 8 * 1024 * 1024, data.length])
  })

  it('reports cumulative, increasing progress that ends at the size', async () => {
    const size = 10_500
    const seen: number[] = []
    await md5OfBlob(new Blob([bytes(size)]), { sliceSize: 1024, onProgress: (n) => seen.push(n) })
    expect(seen).toHaveLength(Math.ceil(size / 1024))
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1])
    expect(seen.every((n, i) => n === Math.min((i + 1) * 1024, size))).toBe(true)
    expect(seen.at(-1)).toBe(size)
  })

  it('gives concurrent calls independent state', async () => {
    const a = bytes(50_000, 7)
    const b = bytes(70_000, 9)
    const [ha, hb] = await Promise.all([
      md5OfBlob(new Blob([a]), { sliceSize: 4096 }),
      md5OfBlob(new Blob([b]), { sliceSize: 4096 }),
    ])
    expect([ha, hb]).toEqual([nodeMd5(a), nodeMd5(b)])
  })

  it('reads one slice ahead: the next read starts before the current slice is hashed', async () => {
    const data = bytes(4000)
    const log: string[] = []
    const blob = new Blob([data])
    const tracing = {
      size: blob.size,
      slice(start: number, end: number) {
        log.push(`read ${start}`)
        return blob.slice(start, end)
      },
    } as unknown as Blob
    await md5OfBlob(tracing, { sliceSize: 1000, onProgress: (n) => log.push(`hashed ${n}`) })
    expect(log).toEqual([
      'read 0',
      'read 1000',
      'hashed 1000',
      'read 2000',
      'hashed 2000',
      'read 3000',
      'hashed 3000',
      'hashed 4000',
    ])
  })

  it('stops between slices when aborted and rejects with the reason', async () => {
    const controller = new AbortController()
    const reason = new UploadError('aborted', 'user paused', { retryable: false })
    const seen: number[] = []
    const hashing = md5OfBlob(new Blob([bytes(10_000)]), {
      sliceSize: 1000,
      signal: controller.signal,
      onProgress: (n) => {
        seen.push(n)
        if (n === 3000) controller.abort(reason)
      },
    })
    await expect(hashing).rejects.toBe(reason)
    expect(seen.at(-1)).toBe(3000)
  })

  it('wraps a non-UploadError reason in an aborted UploadError carrying it', async () => {
    const controller = new AbortController()
    const reason = { kind: 'pause' }
    controller.abort(reason)
    const error = await md5OfBlob(new Blob([bytes(10)]), { signal: controller.signal }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(UploadError)
    expect(error).toMatchObject({ code: 'aborted', retryable: false, cause: reason })
  })

  it('rejects with file-unreadable when the blob cannot be read, whole or by slices', async () => {
    const unreadable = () => Promise.reject(new Error('NotReadableError'))
    const broken = {
      size: 10,
      arrayBuffer: unreadable,
      slice: () => ({ arrayBuffer: unreadable }),
    } as unknown as Blob
    for (const sliceSize of [100, 4]) {
      await expect(md5OfBlob(broken, { sliceSize })).rejects.toMatchObject({
        code: 'file-unreadable',
        retryable: false,
      })
    }
  })

  it('rejects with file-changed when the blob is shorter than it claims, whole or by slices', async () => {
    const inner = new Blob([bytes(5)])
    const shrunk = {
      size: 10,
      arrayBuffer: () => inner.arrayBuffer(),
      slice: (s: number, e: number) => inner.slice(s, e),
    } as unknown as Blob
    for (const sliceSize of [100, 4]) {
      await expect(md5OfBlob(shrunk, { sliceSize })).rejects.toMatchObject({
        code: 'file-changed',
      })
    }
  })

  it('reads a blob that fits one slice whole, without slicing it (a new blob each)', async () => {
    const data = bytes(3000, 3)
    const blob = new Blob([data])
    const slice = vi.spyOn(blob, 'slice')
    await expect(md5OfBlob(blob, { sliceSize: 3000 })).resolves.toBe(nodeMd5(data))
    expect(slice).not.toHaveBeenCalled()
    await expect(md5OfBlob(blob, { sliceSize: 1000 })).resolves.toBe(nodeMd5(data))
    expect(slice.mock.calls).toEqual([
      [0, 1000],
      [1000, 2000],
      [2000, 3000],
    ])
  })

  it('awaits yieldBetweenSlices between slices only', async () => {
    let yields = 0
    await md5OfBlob(new Blob([bytes(3500)]), {
      sliceSize: 1000,
      yieldBetweenSlices: async () => void yields++,
    })
    expect(yields).toBe(3)
  })

  it('rejects a slice size that is not a positive integer', async () => {
    await expect(md5OfBlob(new Blob(['x']), { sliceSize: 0 })).rejects.toBeInstanceOf(RangeError)
    await expect(md5OfBlob(new Blob(['x']), { sliceSize: 1.5 })).rejects.toBeInstanceOf(RangeError)
  })
})

describe('sampleMd5', () => {
  const sampleSize = 1024

  it.each([0, 1, 1024, 3 * 1024])(
    'is the full MD5 for a blob of %i bytes (<= 3 samples)',
    async (size) => {
      const data = bytes(size)
      await expect(sampleMd5(new Blob([data]), { sampleSize })).resolves.toBe(nodeMd5(data))
    },
  )

  it('defaults to 256 KiB samples: a 768 KiB blob gets its full MD5', async () => {
    const data = bytes(768 * 1024)
    await expect(sampleMd5(new Blob([data]))).resolves.toBe(nodeMd5(data))
  })

  it('hashes start, middle and end samples plus the decimal size for larger blobs', async () => {
    const size = 3 * 1024 + 1
    const data = bytes(size)
    const middle = Math.floor((size - sampleSize) / 2)
    const expected = createHash('md5')
      .update(data.subarray(0, sampleSize))
      .update(data.subarray(middle, middle + sampleSize))
      .update(data.subarray(size - sampleSize))
      .update(String(size))
      .digest('hex')
    await expect(sampleMd5(new Blob([data]), { sampleSize })).resolves.toBe(expected)
  })

  it('changes when a byte in the middle changes, and not for a byte outside the samples', async () => {
    const size = 20 * 1024
    const data = bytes(size)
    const base = await sampleMd5(new Blob([data]), { sampleSize })

    const middleChanged = data.slice()
    middleChanged[Math.floor(size / 2)] ^= 0xff
    expect(await sampleMd5(new Blob([middleChanged]), { sampleSize })).not.toBe(base)

    const outsideChanged = data.slice()
    outsideChanged[2 * 1024] ^= 0xff
    expect(await sampleMd5(new Blob([outsideChanged]), { sampleSize })).toBe(base)
  })

  it('differs from the MD5 of the three samples alone (the size is part of it)', async () => {
    const data = bytes(4 * 1024)
    const withoutSize = createHash('md5')
      .update(data.subarray(0, sampleSize))
      .update(data.subarray(1536, 1536 + sampleSize))
      .update(data.subarray(3 * 1024))
      .digest('hex')
    expect(await sampleMd5(new Blob([data]), { sampleSize })).not.toBe(withoutSize)
  })

  it('reports progress over the sampled bytes and honours an aborted signal', async () => {
    const seen: number[] = []
    await sampleMd5(new Blob([bytes(10_000)]), { sampleSize, onProgress: (n) => seen.push(n) })
    expect(seen).toEqual([1024, 2048, 3072])

    const controller = new AbortController()
    controller.abort(new UploadError('aborted', 'gone'))
    await expect(
      sampleMd5(new Blob([bytes(10_000)]), { sampleSize, signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'aborted',
      message: 'gone',
    })
  })
})
