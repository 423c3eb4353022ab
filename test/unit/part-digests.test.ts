import { describe, expect, it } from 'vitest'
import type { HashOptions, PartRequest } from '../../src/core'
import { createPartDigests } from '../../src/core/run/part-digests'
import { md5Hex } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { scriptedEngine } from '../fakes/engine'

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
