import { describe, expect, it } from 'vitest'
import type { HashOptions, PartRequest, PreparePartsRequest } from '../../src/core'
import { createPartDigests } from '../../src/core/run/part-digests'
import { md5Hex } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { scriptedEngine } from '../fakes/engine'
import { createMemoryStore } from '../../src/persistence'

const bytes = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff)

/** Real MD5s, with a log of what was hashed and when (relative to the protocol's calls). */
function loggingHasher(log: string[]) {
  return {
    calls: 0,
    async md5(blob: Blob, { signal }: HashOptions) {
      this.calls++
      log.push(`hash:${blob.size}`)
      const data = new Uint8Array(await blob.arrayBuffer())
      if (signal.aborted) throw signal.reason
      return md5Hex(data)
    },
    async sample(blob: Blob) {
      return md5Hex(new Uint8Array(await blob.slice(0, 16).arrayBuffer()))
    },
  }
}

describe('part MD5s hashed ahead', () => {
  it('hashes the first parts before the upload is created, each part once, with the right digests', async () => {
    const log: string[] = []
    const data = bytes(5000)
    const seen = new Map<number, string | undefined>()
    const protocol = new FakeProtocol({
      capabilities: { partChecksum: 'md5', verifiesFileHash: false },
      onPart: autoSucceed,
    })
    const create = protocol.create.bind(protocol)
    protocol.create = async () => (log.push('create'), create())
    const uploadPart = protocol.uploadPart.bind(protocol)
    protocol.uploadPart = (request: PartRequest) => {
      seen.set(request.part.index, request.partMd5)
      return uploadPart(request)
    }
    const hasher = loggingHasher(log)
    const { uploader, clock } = scriptedEngine({
      protocol,
      hasher,
      chunkSize: 1000,
      concurrency: 2,
      stream: false,
      progressIntervalMs: 0,
    })
    let done = false
    uploader.on('upload-success', () => (done = true))
    uploader.add(new Blob([data]))
    for (let i = 0; i < 200 && !done; i++) await clock.advance(10)
    expect(done).toBe(true)
    // Two lanes to start with: two part hashes were under way before create was called
    // (next to the full-file hash, which the fake protocol can claim by).
    const beforeCreate = log.slice(0, log.indexOf('create'))
    expect(beforeCreate.filter((entry) => entry === 'hash:1000')).toHaveLength(2)
    // Every part got its own MD5, and nothing was hashed twice.
    for (let index = 0; index < 5; index++) {
      expect(seen.get(index)).toBe(md5Hex(data.subarray(index * 1000, (index + 1) * 1000)))
    }
    expect(log.filter((entry) => entry === 'hash:1000')).toHaveLength(5)
  })

  it('hashes again when a prefetched digest failed, and stops prefetching once the run is aborted', async () => {
    let fail = true
    let calls = 0
    const hasher = {
      async md5(blob: Blob) {
        calls++
        if (fail) throw new Error('worker died')
        return md5Hex(new Uint8Array(await blob.arrayBuffer()))
      },
      sample: async () => '',
    }
    const run = new AbortController()
    const file = new Blob([bytes(100)])
    const digests = createPartDigests(hasher, file, run.signal)
    digests.prefetch(0, 50)
    await new Promise((resolve) => setTimeout(resolve, 0))
    fail = false
    await expect(digests.take(0, 50, run.signal)).resolves.toBe(md5Hex(bytes(100).subarray(0, 50)))
    expect(calls).toBe(2)
    run.abort()
    digests.prefetch(50, 100)
    expect(calls).toBe(2)
  })
})

describe('a resumed upload whose part ETags are their MD5s (S3)', () => {
  /**
   * Uploads parts 0 and 1 of a 5-part file, then leaves (the record stays), and adds the
   * same file to a new uploader on the same store. `etagOf` answers each part's ETag.
   */
  async function resumeWith(
    partEtagIsMd5: boolean,
    etagOf: (index: number, md5: string) => string,
    prepare?: boolean,
  ) {
    const data = bytes(5000)
    const file = () => new File([data], 'a.bin', { lastModified: 1_700_000_000_000 })
    const store = createMemoryStore()
    const capabilities = { partChecksum: 'md5' as const, verifiesFileHash: false, partEtagIsMd5 }
    const options = { chunkSize: 1000, concurrency: 2, stream: false, adaptive: false, store }
    const first = new FakeProtocol({
      capabilities,
      onPart: (call) => (call.index < 2 ? call.succeed() : undefined),
    })
    const before = scriptedEngine({ ...options, protocol: first, hasher: loggingHasher([]) })
    before.uploader.add(file())
    for (let i = 0; i < 100 && first.uploads.get('up1')?.held.size !== 2; i++) {
      await before.clock.advance(10)
    }
    before.uploader.destroy()

    const sent: { index: number; md5: string | undefined }[] = []
    const second = new FakeProtocol({ capabilities, onPart: autoSucceed })
    // The same server: what the first uploader sent is held.
    second.uploads.set('up1', {
      ...first.uploads.get('up1')!,
      held: new Map(first.uploads.get('up1')!.held),
    })
    if (prepare) {
      const prepareParts = ({ indexes }: PreparePartsRequest) => {
        second.calls.push(`prepare:${indexes.join()}`)
      }
      Object.assign(second, { prepareParts })
    }
    const uploadPart = second.uploadPart.bind(second)
    second.uploadPart = async (request: PartRequest) => {
      sent.push({ index: request.part.index, md5: request.partMd5 })
      const acked = await uploadPart(request)
      const md5 = md5Hex(data.subarray(request.part.start, request.part.end))
      return { ...acked, etag: etagOf(request.part.index, md5) }
    }
    const after = scriptedEngine({ ...options, protocol: second, hasher: loggingHasher([]) })
    let state = ''
    after.uploader.on('upload-success', () => (state = 'done'))
    after.uploader.on('upload-error', ({ error }) => (state = error.code))
    after.uploader.add(file())
    for (let i = 0; i < 200 && !state; i++) await after.clock.advance(10)
    const md5Of = (index: number) => md5Hex(data.subarray(index * 1000, (index + 1) * 1000))
    return { state, sent, md5Of, calls: second.calls }
  }

  it('sends its first parts (one per lane) before their MD5 is known, the rest with it', async () => {
    const { state, sent, md5Of, calls } = await resumeWith(true, (_, md5) => md5)
    expect(state).toBe('done')
    expect(calls[0]).toBe('status')
    expect(sent.map((s) => s.index).sort()).toEqual([2, 3, 4])
    expect(sent.filter((s) => s.md5 === undefined).map((s) => s.index)).toEqual([2, 3])
    expect(sent.find((s) => s.index === 4)?.md5).toBe(md5Of(4))
  })

  it('tells the protocol the first part its record lacks while it asks for the status', async () => {
    const { state, calls } = await resumeWith(true, (_, md5) => md5, true)
    expect(state).toBe('done')
    // Parts 0 and 1 were sent before the reload: part 2 goes first, prepared before any part.
    expect(calls.slice(0, 2).sort()).toEqual(['prepare:2', 'status'])
    expect(calls.filter((call) => call.startsWith('prepare'))).toEqual(['prepare:2'])
  })

  it('prepares no part that will wait for its MD5 (ETags that are not MD5s)', async () => {
    const { state, sent, calls } = await resumeWith(false, (index) => `e${index}`, true)
    expect(state).toBe('done')
    expect(sent.every((s) => s.md5 !== undefined)).toBe(true)
    expect(calls.filter((call) => call.startsWith('prepare'))).toEqual([])
  })

  it('a part whose ETag is not its MD5 is sent again, with its MD5', async () => {
    let wrong = true
    const { state, sent, md5Of } = await resumeWith(true, (index, md5) => {
      if (index !== 2 || !wrong) return md5
      wrong = false
      return md5Hex(new Uint8Array(3))
    })
    expect(state).toBe('done')
    const partTwo = sent.filter((s) => s.index === 2)
    expect(partTwo.map((s) => s.md5)).toEqual([undefined, md5Of(2)])
  })

  it('without partEtagIsMd5 every part waits for its MD5', async () => {
    const { state, sent, md5Of } = await resumeWith(false, (index) => `e${index}`)
    expect(state).toBe('done')
    for (const { index, md5 } of sent) expect(md5).toBe(md5Of(index))
  })
})
