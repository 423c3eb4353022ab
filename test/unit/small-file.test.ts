import { describe, expect, it } from 'vitest'
import {
  abortError,
  createUploader,
  UploadError,
  type FileInfo,
  type PrepareSmallRequest,
  type SmallUploadRequest,
  type TabLocks,
  type UploaderOptions,
  type UploadResult,
} from '../../src/core'
import { SMALL_AHEAD } from '../../src/core/uploader/small-ahead'
import { createMemoryStore } from '../../src/persistence'
import { createHttpProtocol } from '../../src/protocols/http'
import { FakeClock, settle } from '../fakes/fake-clock'
import { FakeHasher, md5Hex } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol, type FakeProtocolOptions } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'
import { until } from '../fakes/until'
import { Handoff } from '../fakes/handoff'

function bytesOf(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + size) % 251
  return bytes
}

function fileOf(size: number, name = 'photo.jpg'): File {
  return new File([bytesOf(size)], name, { type: 'image/jpeg', lastModified: 1_700_000_000_000 })
}

/** One small-file request as the test sees it: answer it, fail it, or watch it be cut. */
interface SmallCall {
  readonly request: SmallUploadRequest
  succeed(result?: UploadResult): void
  fail(error: UploadError): void
  /** The route is missing on this server: the engine should take the multipart path. */
  refuse(): void
}

/** The fake backend with a small-file route; each call waits for the test unless `auto`. */
class SmallProtocol extends FakeProtocol {
  readonly small: SmallCall[] = []
  private smallCalls = new Handoff<SmallCall>()

  constructor(
    options: FakeProtocolOptions = {},
    private readonly auto = false,
  ) {
    super({ onPart: autoSucceed, ...options })
  }

  uploadSmall(request: SmallUploadRequest): Promise<UploadResult | undefined> {
    this.calls.push('small')
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortError(request.signal))
      request.signal.addEventListener('abort', onAbort, { once: true })
      const end = (fn: () => void) => {
        request.signal.removeEventListener('abort', onAbort)
        fn()
      }
      const call: SmallCall = {
        request,
        succeed: (result) =>
          end(() => {
            request.onProgress(request.body.size)
            resolve(result ?? { size: request.file.size, hash: request.md5 })
          }),
        fail: (error) => end(() => reject(error)),
        refuse: () => end(() => resolve(undefined)),
      }
      this.small.push(call)
      if (this.auto) return queueMicrotask(() => call.succeed())
      request.onProgress(Math.floor(request.body.size / 2))
      this.smallCalls.give(call)
    })
  }

  nextSmall(): Promise<SmallCall> {
    return this.smallCalls.take()
  }
}

/** Locks that count how often they are asked for. */
function countingLocks(): TabLocks & { asked: number } {
  const locks = {
    asked: 0,
    tryLock: async () => {
      locks.asked++
      return () => {}
    },
    lock: async () => {
      locks.asked++
      return () => {}
    },
  }
  return locks
}

function setup(protocol: SmallProtocol, extra: Partial<UploaderOptions> = {}) {
  const clock = new FakeClock()
  const store = createMemoryStore()
  const uploader = createUploader({
    protocol,
    transport: new ScriptedTransport(),
    clock,
    store,
    chunkSize: 1000,
    concurrency: 4,
    adaptive: false,
    retry: { baseDelayMs: 10, maxDelayMs: 10 },
    ...extra,
  })
  const states: string[] = []
  uploader.subscribe((s) => {
    const state = s.uploads[0]?.status.state
    if (state && states.at(-1) !== state) states.push(state)
  })
  return { uploader, clock, store, states }
}

const stateOf = (uploader: ReturnType<typeof setup>['uploader'], i = 0) =>
  uploader.getSnapshot().uploads[i]?.status.state

describe('small-file path', () => {
  it('sends a file of at most chunkSize (the default threshold) in one request, larger ones in parts', async () => {
    const protocol = new SmallProtocol({}, true)
    const { uploader } = setup(protocol)
    uploader.add([fileOf(1000, 'small.jpg'), fileOf(1001, 'big.jpg')])
    await until(() => stateOf(uploader, 0) === 'done' && stateOf(uploader, 1) === 'done')
    expect(protocol.small.map((c) => c.request.file.name)).toEqual(['small.jpg'])
    expect(protocol.calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(protocol.calls.filter((c) => c.startsWith('part:'))).toEqual(['part:0', 'part:1'])
    expect(uploader.getSnapshot().total.bytesUploaded).toBe(2001)
  })

  it('follows smallFileThreshold, and 0 turns the path off', async () => {
    for (const [threshold, small] of [
      [5000, 1],
      [0, 0],
    ]) {
      const protocol = new SmallProtocol({}, true)
      const { uploader } = setup(protocol, { smallFileThreshold: threshold })
      uploader.add(fileOf(3000))
      await until(() => stateOf(uploader) === 'done')
      expect(protocol.small, `threshold ${threshold}`).toHaveLength(small)
    }
    expect(() => setup(new SmallProtocol(), { smallFileThreshold: -1 })).toThrow(UploadError)
  })

  it('keeps no resume record, takes no cross-tab lock and computes no fingerprint', async () => {
    const protocol = new SmallProtocol()
    const locks = countingLocks()
    const hasher = new FakeHasher()
    let sampled = 0
    const sample = hasher.sample.bind(hasher)
    hasher.sample = (blob: Blob) => {
      sampled++
      return sample(blob)
    }
    const { uploader, store, states } = setup(protocol, { locks, hasher })
    const events: string[] = []
    uploader.on('upload-started', () => events.push('started'))
    uploader.on('upload-progress', () => events.push('progress'))
    uploader.on('upload-hashed', () => events.push('hashed'))
    uploader.add(fileOf(700))
    const call = await protocol.nextSmall()
    // The body's MD5 goes along for the server to verify; nothing else was hashed.
    expect(call.request.md5).toBe(md5Hex(bytesOf(700)))
    expect(call.request.body.size).toBe(700)
    await until(() => uploader.getSnapshot().uploads[0]!.bytesUploaded === 350)
    expect(await store.list()).toEqual([])
    call.succeed()
    await until(() => stateOf(uploader) === 'done')
    expect(states.slice(-2)).toEqual(['uploading', 'done'])
    expect(events).toContain('started')
    expect(events).toContain('hashed')
    expect(locks.asked).toBe(0)
    expect(sampled).toBe(0)
    expect(await store.list()).toEqual([])
    expect(protocol.calls).toEqual(['small'])
  })

  it('retries a failed request as a whole', async () => {
    const protocol = new SmallProtocol()
    const { uploader, clock } = setup(protocol)
    const retries: string[] = []
    uploader.on('upload-retry', ({ error }) => retries.push(error.code))
    uploader.add(fileOf(800))
    ;(await protocol.nextSmall()).fail(new UploadError('network', 'reset'))
    await until(() => protocol.small.length === 2, clock)
    protocol.small[1]!.succeed()
    await until(() => stateOf(uploader) === 'done', clock)
    const upload = uploader.getSnapshot().uploads[0]!
    expect(retries).toEqual(['network'])
    expect(upload.retries).toBe(1)
    expect(upload.bytesUploaded).toBe(800)
    expect(protocol.small[1]!.request.body.size).toBe(800)
  })

  it('fails on an error that is not retryable, like any upload', async () => {
    const protocol = new SmallProtocol()
    const { uploader } = setup(protocol)
    uploader.add(fileOf(800))
    ;(await protocol.nextSmall()).fail(
      new UploadError('file-too-large', 'too big', { retryable: false, status: 413 }),
    )
    await until(() => stateOf(uploader) === 'error')
    expect(protocol.small).toHaveLength(1)
  })

  it('cancel aborts the request and nothing more is sent', async () => {
    const protocol = new SmallProtocol()
    const { uploader } = setup(protocol)
    const [added] = uploader.add(fileOf(800)).added
    const call = await protocol.nextSmall()
    uploader.cancel(added!.id)
    await settle()
    expect(call.request.signal.aborted).toBe(true)
    expect(stateOf(uploader)).toBe('canceled')
    expect(protocol.calls).toEqual(['small'])
  })

  it('pause aborts the request; resume sends the whole file again', async () => {
    const protocol = new SmallProtocol()
    const { uploader } = setup(protocol)
    const [added] = uploader.add(fileOf(800)).added
    const first = await protocol.nextSmall()
    uploader.pause(added!.id)
    await settle()
    expect(first.request.signal.aborted).toBe(true)
    expect(stateOf(uploader)).toBe('paused')
    uploader.resume(added!.id)
    const second = await protocol.nextSmall()
    expect(second.request.body.size).toBe(800)
    second.succeed()
    await until(() => stateOf(uploader) === 'done')
    const upload = uploader.getSnapshot().uploads[0]!
    expect(upload.bytesUploaded).toBe(800)
    expect(protocol.calls).toEqual(['small', 'small'])
  })

  it('takes the multipart path when the server has no small-file route', async () => {
    const protocol = new SmallProtocol()
    const { uploader } = setup(protocol, { hasher: new FakeHasher() })
    let started = 0
    uploader.on('upload-started', () => started++)
    uploader.add(fileOf(600))
    ;(await protocol.nextSmall()).refuse()
    await until(() => stateOf(uploader) === 'done')
    expect(started).toBe(1)
    expect(protocol.calls).toEqual(['small', 'create', 'part:0', 'complete'])
    expect(uploader.getSnapshot().uploads[0]!.bytesUploaded).toBe(600)
  })

  it('shares the request slots with big files: never more in flight than concurrency', async () => {
    const protocol = new SmallProtocol({}, true)
    let inFlight = 0
    let most = 0
    const uploadSmall = protocol.uploadSmall.bind(protocol)
    protocol.uploadSmall = async (request) => {
      most = Math.max(most, ++inFlight + protocol.inFlight)
      try {
        return await uploadSmall(request)
      } finally {
        inFlight--
      }
    }
    const { uploader } = setup(protocol, { concurrency: 3 })
    const files = [
      fileOf(20_000, 'big.bin'),
      ...Array.from({ length: 20 }, (_, i) => fileOf(500, `s${i}.jpg`)),
    ]
    uploader.add(files)
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'))
    expect(protocol.small).toHaveLength(20)
    expect(most).toBeLessThanOrEqual(3)
    expect(uploader.getSnapshot().total.bytesUploaded).toBe(30_000)
  })
})

/** A small-file protocol that records what the engine asks it to prepare ahead. */
class PreparingProtocol extends SmallProtocol {
  readonly prepared: FileInfo[][] = []
  /** Files already sent when each `prepareSmall` came. */
  readonly sentBefore: number[] = []

  constructor() {
    super({}, true)
  }

  prepareSmall(request: PrepareSmallRequest): void {
    this.prepared.push([...request.files])
    this.sentBefore.push(this.small.length)
  }
}

describe('small-file path: prepareSmall', () => {
  it('tells the protocol about the queued small files in batches, each file once and before it is sent', async () => {
    const protocol = new PreparingProtocol()
    const { uploader } = setup(protocol)
    const names = Array.from({ length: 150 }, (_, i) => `f${i}.jpg`)
    uploader.add([...names.map((name) => fileOf(1000, name)), fileOf(5000, 'big.jpg')])
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'))
    const prepared = protocol.prepared.flat().map((file) => file.name)
    // Every small file once, in queue order; the big one never.
    expect(prepared).toEqual(names)
    // The first batch covers the window ahead, in one call before anything is sent.
    expect(protocol.prepared[0]).toHaveLength(SMALL_AHEAD)
    expect(protocol.sentBefore[0]).toBe(0)
    // Refilled in batches, not one call per finished file.
    expect(protocol.prepared.length).toBeLessThan(10)
    // The very objects `uploadSmall` is later given.
    const given = new Set(protocol.small.map((call) => call.request.file))
    for (const file of protocol.prepared.flat()) expect(given.has(file)).toBe(true)
    for (const [i, batch] of protocol.prepared.entries()) {
      const firstSent = protocol.small.findIndex((call) => call.request.file === batch[0])
      expect(firstSent).toBeGreaterThanOrEqual(protocol.sentBefore[i]!)
    }
  })

  it('looks a window ahead: small files behind many big ones are prepared as they come near', async () => {
    class Counting extends PreparingProtocol {
      /** Big files created when each `prepareSmall` came. */
      readonly createdBefore: number[] = []
      override prepareSmall(request: PrepareSmallRequest): void {
        super.prepareSmall(request)
        this.createdBefore.push(this.calls.filter((call) => call === 'create').length)
      }
    }
    const protocol = new Counting()
    const { uploader } = setup(protocol)
    const bigs = Array.from({ length: 100 }, (_, i) => fileOf(2000, `big${i}.mov`))
    uploader.add([...bigs, ...Array.from({ length: 5 }, (_, i) => fileOf(500, `s${i}.jpg`))])
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'))
    expect(protocol.prepared.flat().map((file) => file.name)).toEqual([
      's0.jpg',
      's1.jpg',
      's2.jpg',
      's3.jpg',
      's4.jpg',
    ])
    // Not before they were within SMALL_AHEAD files of the front (was: at once, with 0 created).
    expect(protocol.createdBefore[0]).toBeGreaterThanOrEqual(100 - SMALL_AHEAD)
  })

  it('is not asked for files that do not take the small path', async () => {
    const protocol = new PreparingProtocol()
    const { uploader } = setup(protocol, { smallFileThreshold: 0 })
    uploader.add([fileOf(1000, 'a.jpg'), fileOf(1000, 'b.jpg')])
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'))
    expect(protocol.prepared).toEqual([])
  })
})

describe('small-file path of the HTTP client', () => {
  it('a server without PUT /uploads/batch and PUT /uploads (405) gets create and chunks, and is not asked again', async () => {
    const transport = new ScriptedTransport()
    const protocol = createHttpProtocol({ endpoint: 'http://server/http' })
    const uploader = createUploader({ protocol, transport, concurrency: 1 })
    const done: string[] = []
    const allDone = new Promise<undefined>((resolve) =>
      uploader.on('upload-success', ({ upload }) => {
        done.push(upload.file.name)
        if (done.length === 2) resolve(undefined)
      }),
    )
    uploader.on('upload-error', ({ error }) => done.push(`error ${error.code}`))
    uploader.add([fileOf(300, 'a.jpg'), fileOf(400, 'b.jpg')])
    const log: string[] = []
    let id = 0
    while (done.length < 2) {
      const request = await Promise.race([transport.next(), allDone])
      if (!request) break
      const path = new URL(request.url).pathname
      log.push(`${request.method} ${path}`)
      if (
        request.method === 'PUT' &&
        (path === '/http/uploads' || path === '/http/uploads/batch')
      ) {
        request.respond({ status: 405, json: { error: { code: 'method-not-allowed' } } })
      } else if (request.method === 'POST' && path === '/http/uploads') {
        request.respond({ status: 201, json: { id: `upload-id-number-${++id}`, received: [] } })
      } else if (path.endsWith('/stream')) {
        request.respond({ json: { received: [[0, 1]] } })
      } else if (path.endsWith('/complete')) {
        request.respond({ json: { size: 1 } })
      } else request.respond({ status: 500 })
    }
    expect(done.sort()).toEqual(['a.jpg', 'b.jpg'])
    expect(log.filter((l) => l === 'PUT /http/uploads/batch')).toHaveLength(1)
    expect(log.filter((l) => l === 'PUT /http/uploads')).toHaveLength(1)
    expect(log.filter((l) => l === 'POST /http/uploads')).toHaveLength(2)
  })
})
