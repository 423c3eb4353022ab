/**
 * Hash-ahead on the small-file path (run/hash-ahead.ts): while small files are on the wire,
 * the MD5 of the next queued ones is computed, so a lane that frees up never waits for the
 * hasher; big files, files whose beforeUpload hook has not run, and hashing off are left
 * alone.
 */
import { describe, expect, it } from 'vitest'
import {
  abortError,
  createUploader,
  type HashOptions,
  type SmallUploadRequest,
  type UploaderOptions,
  type UploadResult,
} from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { FakeClock, settle } from '../fakes/fake-clock'
import { FakeHasher, md5Hex } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'

function bytesOf(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) % 251
  return bytes
}

const fileOf = (name: string, size = 500, seed = name.length) =>
  new File([bytesOf(size, seed)], name, { type: 'image/jpeg', lastModified: 1 })

/** A backend whose small-file requests wait until the test answers them. */
class HeldSmallProtocol extends FakeProtocol {
  readonly requests: { request: SmallUploadRequest; succeed(): void }[] = []

  constructor() {
    super({ onPart: autoSucceed })
  }

  uploadSmall(request: SmallUploadRequest): Promise<UploadResult | undefined> {
    this.calls.push(`small:${request.file.name}`)
    return new Promise((resolve, reject) => {
      request.signal.addEventListener('abort', () => reject(abortError(request.signal)), {
        once: true,
      })
      this.requests.push({
        request,
        succeed: () => resolve({ size: request.file.size, hash: request.md5 }),
      })
    })
  }
}

/** A hasher that records which files it was asked to hash, in order. */
class RecordingHasher extends FakeHasher {
  readonly hashed: string[] = []
  readonly signals = new Map<string, AbortSignal>()

  override md5(blob: Blob, options: HashOptions): Promise<string> {
    const name = (blob as File).name
    this.hashed.push(name)
    this.signals.set(name, options.signal)
    return super.md5(blob, options)
  }
}

/** Which files were hashed, whatever the order the hashes started in. */
const hashedSet = (hasher: RecordingHasher) => [...hasher.hashed].sort()

function setup(extra: Partial<UploaderOptions> = {}, hasher = new RecordingHasher()) {
  const protocol = new HeldSmallProtocol()
  const uploader = createUploader({
    protocol,
    transport: new ScriptedTransport(),
    clock: new FakeClock(),
    store: createMemoryStore(),
    hasher,
    chunkSize: 1000,
    concurrency: 2,
    adaptive: false,
    ...extra,
  })
  return { protocol, hasher, uploader }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await settle()
  expect(condition()).toBe(true)
}

describe('hash-ahead on the small-file path', () => {
  it('hashes the next queued small files while the first are on the wire, once each', async () => {
    const { protocol, hasher, uploader } = setup()
    const names = ['a.jpg', 'bb.jpg', 'ccc.jpg', 'dddd.jpg', 'eeeee.jpg', 'ffffff.jpg']
    const files = names.map((name) => fileOf(name))
    uploader.add(files)
    await until(() => protocol.requests.length === 2)
    await settle()
    // Two in flight (concurrency 2), the next two hashed ahead; the rest wait their turn.
    expect(hashedSet(hasher)).toEqual(names.slice(0, 4))
    protocol.requests[0].succeed()
    await until(() => protocol.requests.length === 3)
    await settle()
    // The third file went with the MD5 computed ahead; the window moved on by one.
    expect(protocol.requests[2].request.file.name).toBe('ccc.jpg')
    expect(protocol.requests[2].request.md5).toBe(md5Hex(bytesOf(500, 'ccc.jpg'.length)))
    expect(hashedSet(hasher)).toEqual(names.slice(0, 5))
    for (let i = 1; i < names.length; i++) {
      await until(() => protocol.requests.length > i)
      protocol.requests[i].succeed()
    }
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'))
    // Each file hashed exactly once.
    expect(hashedSet(hasher)).toEqual(names)
  })

  it('leaves big files in the window to their own run (hashed alongside their upload)', async () => {
    const { protocol, hasher, uploader } = setup()
    uploader.add([fileOf('a.jpg'), fileOf('bb.jpg'), fileOf('big.bin', 5000), fileOf('d.jpg')])
    await until(() => protocol.requests.length === 2)
    await settle()
    expect(hashedSet(hasher)).toEqual(['a.jpg', 'bb.jpg', 'd.jpg'])
  })

  it('hashes nothing ahead while a beforeUpload hook may still replace the file', async () => {
    const { protocol, hasher, uploader } = setup({ beforeUpload: () => true })
    uploader.add(['a.jpg', 'bb.jpg', 'ccc.jpg', 'dddd.jpg'].map((name) => fileOf(name)))
    await until(() => protocol.requests.length === 2)
    await settle()
    expect(hashedSet(hasher)).toEqual(['a.jpg', 'bb.jpg'])
  })

  it('hashes nothing with hashing off', async () => {
    const { protocol, hasher, uploader } = setup({ hashing: false })
    uploader.add(['a.jpg', 'bb.jpg', 'ccc.jpg', 'dddd.jpg'].map((name) => fileOf(name)))
    await until(() => protocol.requests.length === 2)
    await settle()
    expect(hasher.hashed).toEqual([])
    expect(protocol.requests[0].request.md5).toBeUndefined()
  })

  it('cancel stops a hash started ahead', async () => {
    const held = new RecordingHasher(true)
    const { protocol, uploader } = setup({}, held)
    uploader.add(['a.jpg', 'bb.jpg', 'ccc.jpg'].map((name) => fileOf(name)))
    await until(() => held.signals.has('ccc.jpg'))
    const third = uploader.getSnapshot().uploads[2]!
    expect(third.status.state).toBe('queued')
    expect(held.signals.get('ccc.jpg')!.aborted).toBe(false)
    await uploader.cancel(third.id)
    expect(held.signals.get('ccc.jpg')!.aborted).toBe(true)
    expect(uploader.getSnapshot().uploads[2]!.status.state).toBe('canceled')
    held.release()
    await until(() => protocol.requests.length === 2)
    expect(protocol.requests.map((r) => r.request.file.name).sort()).toEqual(['a.jpg', 'bb.jpg'])
  })
})
