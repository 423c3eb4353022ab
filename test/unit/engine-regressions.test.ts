import { describe, expect, it } from 'vitest'
import {
  createScheduler,
  defaultRetryPolicy as policy,
  UploadError,
  type Hasher,
  type UploadEvents,
} from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { createTusProtocol } from '../../src/protocols/tus'
import { FakeClock, settle } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol, type PartCall } from '../fakes/fake-protocol'
import {
  scriptedEngine,
  scriptedTusEngine,
  TUS_ENDPOINT as tusEndpoint,
  TUS_HEADERS as TUS,
  type ScriptedEngineOptions,
} from '../fakes/engine'
import { fileOf } from '../fakes/files'
import { until } from '../fakes/until'

/**
 * One test per engine bug that left an upload in a state it could not leave, started it
 * without the user, or misreported it. Each fails on the code before its fix.
 */

function setup(protocol: FakeProtocol, extra: Partial<ScriptedEngineOptions> = {}) {
  const { uploader, clock } = scriptedEngine({
    protocol,
    concurrency: 2,
    progressIntervalMs: 10,
    adaptive: false,
    retry: { baseDelayMs: 100, maxDelayMs: 2000, jitter: 0 },
    ...extra,
  })
  const events: string[] = []
  const on = <K extends keyof UploadEvents>(name: K, fn: (p: UploadEvents[K]) => string) =>
    uploader.on(name, (payload) => events.push(fn(payload)))
  on('upload-paused', ({ reason }) => `paused:${reason}`)
  on('upload-error', ({ error }) => `error:${error.code}`)
  on('upload-success', () => 'success')
  on('upload-retry', ({ error }) => `retry:${error.code}`)
  return { uploader, clock, events }
}

describe('engine regressions', () => {
  it('1: a retried tus part asks HEAD even with concurrency 1 (the status request needs its own slot)', async () => {
    const { uploader, transport, clock } = scriptedTusEngine()
    const size = 128 * 1024
    uploader.add(fileOf(size))
    ;(await transport.next()).respond({
      status: 204,
      headers: { ...TUS, 'tus-extension': 'creation' },
    })
    ;(await transport.next()).respond({
      status: 201,
      headers: { location: `${tusEndpoint}/a` },
    })
    ;(await transport.next()).respond({ status: 409 })
    await clock.advance(50)
    await settle()
    // Before the fix the part kept its slot while its status request waited for one.
    expect(transport.open.map((r) => r.method)).toEqual(['HEAD'])
    ;(await transport.next()).respond({ status: 200, headers: { 'upload-offset': '0' } })
    for (let offset = 64 * 1024; offset <= size; offset += 64 * 1024) {
      const patch = await transport.next()
      expect(patch.method).toBe('PATCH')
      patch.respond({ status: 204, headers: { 'upload-offset': String(offset) } })
    }
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    uploader.destroy()
  })

  it('2: an idle upload (autoStart off) stays idle through offline → online and pause-all → resume-all', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { uploader, clock } = setup(protocol, { autoStart: false })
    uploader.add(fileOf(300))
    uploader.setOnline(false)
    uploader.setOnline(true)
    uploader.pause()
    uploader.resume()
    await clock.advance(1000)
    expect(uploader.getSnapshot().uploads[0].status).toEqual({ state: 'idle' })
    // Adding files while offline leaves an idle one idle too.
    uploader.setOnline(false)
    uploader.add(fileOf(200, 'other.bin'))
    uploader.setOnline(true)
    await clock.advance(1000)
    expect(uploader.getSnapshot().uploads.map((u) => u.status.state)).toEqual(['idle', 'idle'])
    expect(protocol.calls).toEqual([])
    // start() while offline waits for the network instead of running into it.
    uploader.setOnline(false)
    uploader.start()
    expect(uploader.getSnapshot().uploads[0].status).toEqual({ state: 'paused', reason: 'offline' })
    uploader.setOnline(true)
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'), clock)
    uploader.destroy()
  })

  it('3: a probe that fails with a non-network error does not leave every other upload offline', async () => {
    const link = { up: true }
    const rejectStatusOf = new Set<string>()
    const protocol = new FakeProtocol({
      onPart: (call: PartCall) =>
        queueMicrotask(() => {
          if (!link.up) return call.fail(new UploadError('network', 'reset'))
          call.progress(call.end - call.start)
          call.succeed()
        }),
    })
    const status = protocol.status.bind(protocol)
    protocol.status = async (request) => {
      if (!link.up) throw new UploadError('network', 'reset')
      if (rejectStatusOf.has(String(request.remote.id)))
        throw new UploadError('rejected', 'Unauthorized', { status: 401, retryable: false })
      return status(request)
    }
    const { uploader, clock, events } = setup(protocol, { concurrency: 2 })
    let parts = 0
    uploader.on('part-uploaded', () => {
      if (++parts === 2) link.up = false
    })
    uploader.add([fileOf(1000, 'a.bin'), fileOf(1000, 'b.bin')])
    const states = () => uploader.getSnapshot().uploads.map((u) => u.status.state)
    await until(() => states().every((s) => s === 'paused'), clock)
    // The link comes back, but the probe's own upload (the first) is refused on status.
    rejectStatusOf.add('up1')
    link.up = true
    await until(() => states()[1] === 'done', clock, 100)
    expect(states()).toEqual(['error', 'done'])
    expect(events).toContain('error:rejected')
    expect(uploader.getSnapshot().online).toBe(true)
    uploader.destroy()
  })

  it('4: a TypeError thrown by a protocol fails the file once as `internal`, never retried', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    protocol.create = async () => {
      protocol.calls.push('create')
      throw new TypeError("Cannot read properties of undefined (reading 'url')")
    }
    const { uploader, clock, events } = setup(protocol)
    uploader.add(fileOf(300))
    await clock.advance(60_000)
    const { status } = uploader.getSnapshot().uploads[0]
    expect(status.state).toBe('error')
    if (status.state !== 'error') return
    expect(status.error.code).toBe('internal')
    expect(status.error.retryable).toBe(false)
    expect(status.error.cause).toBeInstanceOf(TypeError)
    expect(protocol.calls).toEqual(['create'])
    expect(events).toEqual(['error:internal'])
    uploader.destroy()
  })

  it('5: when the server forgot the upload, progress resets to 0 once and says so (`restarted`)', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { uploader, clock } = setup(protocol, { concurrency: 1 })
    let parts = 0
    uploader.on('part-uploaded', () => {
      if (++parts === 4) uploader.pause()
    })
    uploader.add(fileOf(1000))
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'paused', clock)
    const before = uploader.getSnapshot().uploads[0]
    expect(before.bytesUploaded).toBe(400)
    expect(before.restarted).toBe(false)
    protocol.uploads.clear() // expired on the server meanwhile
    const shown: { bytes: number; restarted: boolean }[] = []
    uploader.subscribe((s) =>
      shown.push({ bytes: s.uploads[0].bytesUploaded, restarted: s.uploads[0].restarted }),
    )
    uploader.resume()
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    // The one drop is flagged; after it, progress only grows.
    const drop = shown.findIndex((s) => s.bytes < 400)
    expect(drop).toBeGreaterThanOrEqual(0)
    expect(shown[drop]).toEqual({ bytes: 0, restarted: true })
    for (let i = drop + 1; i < shown.length; i++) {
      expect(shown[i].bytes).toBeGreaterThanOrEqual(shown[i - 1].bytes)
    }
    const final = uploader.getSnapshot().uploads[0]
    expect(final.restarted).toBe(true)
    expect(final.bytesUploaded).toBe(1000)
    expect(final.bytesResent).toBe(400)
    uploader.destroy()
  })

  it('5: a part answered 404 mid-run (the server forgot the upload) restarts once, not an error', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { uploader, clock } = setup(protocol, { concurrency: 1 })
    let parts = 0
    uploader.on('part-uploaded', () => {
      if (++parts === 4) protocol.uploads.clear() // expired on the server mid-run
    })
    uploader.add(fileOf(1000))
    await until(
      () => ['done', 'error'].includes(uploader.getSnapshot().uploads[0].status.state),
      clock,
    )
    const final = uploader.getSnapshot().uploads[0]
    expect(final.status.state).toBe('done')
    expect(final.restarted).toBe(true)
    expect(final.bytesUploaded).toBe(1000)
    expect(final.bytesResent).toBe(400)
    expect(protocol.calls.filter((c) => c === 'create')).toHaveLength(2)
    uploader.destroy()
  })

  it('5: a server that forgets the upload again in the same run ends in `not-found`, no loop', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { uploader, clock } = setup(protocol, { concurrency: 1 })
    uploader.on('part-uploaded', () => protocol.uploads.clear())
    uploader.add(fileOf(1000))
    await until(
      () => ['done', 'error'].includes(uploader.getSnapshot().uploads[0].status.state),
      clock,
    )
    const { status } = uploader.getSnapshot().uploads[0]
    expect(status.state).toBe('error')
    if (status.state === 'error') expect(status.error.code).toBe('not-found')
    expect(protocol.calls.filter((c) => c === 'create')).toHaveLength(2)
    uploader.destroy()
  })

  it('7: tus sends Upload-Checksum on the first upload of a page (extensions learned in create)', async () => {
    const { uploader, transport, clock } = scriptedEngine({
      protocol: createTusProtocol({ endpoint: tusEndpoint }),
      hasher: new FakeHasher(),
      stream: false,
      chunkSize: 64 * 1024,
      adaptive: false,
    })
    const size = 100 * 1024
    uploader.add(fileOf(size))
    ;(await transport.next()).respond({
      status: 204,
      headers: { ...TUS, 'tus-extension': 'creation,checksum', 'tus-checksum-algorithm': 'md5' },
    })
    ;(await transport.next()).respond({ status: 201, headers: { location: `${tusEndpoint}/c` } })
    const first = await transport.next()
    expect(first.method).toBe('PATCH')
    expect(first.headers?.['upload-checksum']).toMatch(/^md5 /)
    first.respond({ status: 204, headers: { 'upload-offset': String(64 * 1024) } })
    const second = await transport.next()
    expect(second.headers?.['upload-checksum']).toMatch(/^md5 /)
    second.respond({ status: 204, headers: { 'upload-offset': String(size) } })
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    uploader.destroy()
  })

  it('8: reselect hashes the file once, and destroy() stops that hash', async () => {
    const clock = new FakeClock()
    const store = createMemoryStore()
    const file = fileOf(500)
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    // A first visit saves a record with the full hash, then the page goes away.
    const hasher = new FakeHasher()
    const first = setup(protocol, { clock, store, hasher })
    let parts = 0
    first.uploader.on('part-uploaded', () => {
      if (++parts === 2) first.uploader.pause()
    })
    first.uploader.add(file)
    await until(() => first.uploader.getSnapshot().uploads[0].hash.state === 'done', clock)
    await until(() => first.uploader.getSnapshot().uploads[0].status.state === 'paused', clock)
    await first.uploader.flush()
    first.uploader.destroy()
    const [record] = await store.list()
    expect(record.hash).toBeDefined()
    // The next visit: the file is picked again.
    const counting = new FakeHasher()
    const second = setup(protocol, { clock, store, hasher: counting })
    const outcome = await second.uploader.resumeFrom(record.key, file)
    expect(outcome.error).toBeUndefined()
    await until(() => second.uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    expect(counting.md5Calls).toBe(1)
    second.uploader.destroy()
    // A third visit is closed while the check hashes: the hash is stopped.
    const held = new FakeHasher(true)
    const signals: AbortSignal[] = []
    const spy: Hasher = {
      md5: (blob, options) => {
        signals.push(options.signal)
        return held.md5(blob, options)
      },
      sample: (blob) => held.sample(blob),
    }
    const record3 = { ...record, key: `${record.key}#3` }
    await store.set(record3.key, record3)
    const third = setup(protocol, { clock, store, hasher: spy })
    const pending = third.uploader.resumeFrom(record3.key, file)
    await settle()
    expect(signals).toHaveLength(1)
    third.uploader.destroy()
    expect(signals[0].aborted).toBe(true)
    expect((await pending).error).toBeDefined()
  })

  it('9: success stops the background hash no one will wait for', async () => {
    const protocol = new FakeProtocol({
      onPart: autoSucceed,
      capabilities: { verifiesFileHash: false },
    })
    const held = new FakeHasher(true)
    const signals: AbortSignal[] = []
    const hasher: Hasher = {
      md5: (blob, options) => {
        signals.push(options.signal)
        return held.md5(blob, options)
      },
      sample: (blob) => held.sample(blob),
    }
    const { uploader, clock } = setup(protocol, { hasher })
    uploader.add(fileOf(300))
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    expect(signals).toHaveLength(1) // wanted for a claim (FakeProtocol has one), never awaited
    expect(signals[0].aborted).toBe(true)
    uploader.destroy()
  })

  it("9: accept '*/*' accepts every file", () => {
    const { uploader } = setup(new FakeProtocol(), {
      autoStart: false,
      accept: '*/*',
    })
    const result = uploader.add([
      new File(['x'], 'a.bin', { type: 'application/octet-stream' }),
      new File(['y'], 'b'),
    ])
    expect(result.rejected).toEqual([])
    uploader.destroy()
  })

  it('9: a part waiting for its MD5 holds no request slot', async () => {
    const protocol = new FakeProtocol({
      onPart: autoSucceed,
      capabilities: { partChecksum: 'md5', verifiesFileHash: false },
    })
    const hasher = new FakeHasher(true)
    const { uploader, clock } = setup(protocol, { hasher, concurrency: 2 })
    uploader.add(fileOf(300, 'a.bin'))
    await clock.advance(100)
    expect(protocol.calls).toEqual(['create'])
    // Two parts (two lanes) wait for their MD5s; another file's create still gets a slot.
    uploader.add(fileOf(200, 'b.bin'))
    await clock.advance(100)
    expect(protocol.calls).toEqual(['create', 'create'])
    expect(uploader.getSnapshot().activeRequests).toBe(0)
    hasher.release()
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'), clock)
    uploader.destroy()
  })

  it('9: the scheduler forgets an owner once it has nothing waiting or running', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({ concurrency: 2, clock })
    for (let i = 0; i < 50; i++) {
      await scheduler.run({
        owner: `file${i}`,
        signal: new AbortController().signal,
        run: async () => i,
      })
    }
    expect(scheduler.owners).toBe(0)
  })

  it('9: durations count running time only, not time paused', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { uploader, clock } = setup(protocol, { concurrency: 1 })
    let duration = -1
    uploader.on('upload-success', ({ durationMs }) => (duration = durationMs))
    let parts = 0
    uploader.on('part-uploaded', () => {
      if (++parts === 1) uploader.pause()
    })
    uploader.add(fileOf(300))
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'paused', clock)
    await clock.advance(3_600_000)
    uploader.resume()
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    expect(duration).toBeGreaterThanOrEqual(0)
    expect(duration).toBeLessThan(60_000)
    uploader.destroy()
  })

  it('9: a retried control request (create) emits `retry`', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const create = protocol.create.bind(protocol)
    let creates = 0
    protocol.create = async () => {
      if (creates++ === 0) throw new UploadError('server', 'Bad gateway', { status: 502 })
      return create()
    }
    const { uploader, clock, events } = setup(protocol)
    uploader.add(fileOf(300))
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    expect(events).toEqual(['retry:server', 'success'])
    expect(uploader.getSnapshot().uploads[0].retries).toBe(1)
    uploader.destroy()
  })

  /** A first visit that leaves a record (expiring after `lifetimeMs`) of a half-sent upload. */
  async function leaveRecord(protocol: FakeProtocol, clock: FakeClock, lifetimeMs: number) {
    const store = createMemoryStore()
    const { uploader } = setup(protocol, { clock, store, resumeExpiryMs: lifetimeMs })
    uploader.add(fileOf(300))
    await until(() => protocol.uploads.size === 1, clock)
    uploader.pause()
    await uploader.flush()
    uploader.destroy()
    const [record] = await store.list()
    return { store, record, upload: protocol.uploads.get(String(record.remote.id))! }
  }

  it("9: an expired record's server upload is aborted, after the server is back, then the record goes", async () => {
    const protocol = new FakeProtocol()
    const clock = new FakeClock()
    const { store, record, upload } = await leaveRecord(protocol, clock, 60_000)
    await clock.advance(61_000)
    // The next visit finds the server unreachable: the record stays for a later try.
    const abort = protocol.abort.bind(protocol)
    let refused = 0
    protocol.abort = async () => {
      refused++
      throw new UploadError('network', 'offline')
    }
    const second = setup(protocol, { clock, store })
    expect(await second.uploader.pending()).toEqual([]) // expired: never offered
    await until(() => refused === 1, clock)
    await second.uploader.flush()
    expect(await store.get(record.key)).toBeDefined()
    expect(upload.aborted).toBe(false)
    second.uploader.destroy()
    // Back online, a later read deletes the server upload, then the record.
    protocol.abort = abort
    const third = setup(protocol, { clock, store })
    expect(await third.uploader.pending()).toEqual([])
    await until(() => upload.aborted, clock)
    await third.uploader.flush()
    expect(await store.list()).toEqual([])
    third.uploader.destroy()
  })

  it('9: adding the file of an expired record aborts the old server upload and starts a new one', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const clock = new FakeClock()
    const held = new FakeProtocol() // the first visit's parts never end
    const { store, record, upload } = await leaveRecord(held, clock, 60_000)
    protocol.uploads.set(String(record.remote.id), upload)
    await clock.advance(61_000)
    const { uploader, events } = setup(protocol, { clock, store })
    uploader.add(fileOf(300))
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    expect(events).toEqual(['success'])
    expect(upload.aborted).toBe(true)
    expect(protocol.calls.filter((c) => c === 'create')).toHaveLength(1)
    uploader.destroy()
  })

  it('9: an expired record whose server upload cannot be deleted is dropped once expired twice over', async () => {
    const protocol = new FakeProtocol()
    const clock = new FakeClock()
    const { store } = await leaveRecord(protocol, clock, 60_000)
    await clock.advance(121_000)
    const { uploader } = setup(protocol, { clock, store, resumeExpiryMs: 60_000 })
    expect(await uploader.pending()).toEqual([])
    await uploader.flush()
    expect(await store.list()).toEqual([])
    expect(protocol.calls).not.toContain('abort')
    uploader.destroy()
  })

  // Found by the model-based test (engine-model.test.ts).
  it('model: destroy() ends a create that waits to be retried, timer included', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const create = protocol.create.bind(protocol)
    protocol.create = async () => {
      protocol.calls.push('create?')
      if (protocol.calls.length < 5) throw new UploadError('server', 'busy', { status: 503 })
      return create()
    }
    const { uploader, clock } = setup(protocol)
    uploader.add(fileOf(300))
    await clock.advance(10)
    expect(protocol.calls).toEqual(['create?'])
    uploader.destroy()
    await settle()
    // The retry's wait went with the uploader, and no create follows.
    expect(clock.pending).toBe(0)
    await clock.advance(60_000)
    expect(protocol.calls).toEqual(['create?'])
  })

  it("model: the snapshot's activeRequests drops to 0 when the last request ends", async () => {
    const protocol = new FakeProtocol()
    const { uploader, clock } = setup(protocol, { concurrency: 1 })
    uploader.add(fileOf(100))
    const call = await protocol.nextPart()
    await settle()
    expect(uploader.getSnapshot().activeRequests).toBe(1)
    uploader.pause()
    await clock.advance(10)
    expect(call.signal.aborted).toBe(true)
    expect(uploader.getSnapshot().activeRequests).toBe(0)
    uploader.destroy()
  })

  it('model: a 429 hold leaves no timer once nothing waits for a slot', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({ concurrency: 1, clock, retry: policy })
    const first = new AbortController()
    const failing = scheduler.run({
      owner: 'a',
      signal: first.signal,
      run: async () => {
        throw new UploadError('server', 'slow down', { status: 429, retryAfterMs: 60_000 })
      },
    })
    await settle() // failed once: every start now waits for the Retry-After
    const waiter = new AbortController()
    const waiting = scheduler.run({ owner: 'b', signal: waiter.signal, run: async () => 1 })
    await settle()
    waiter.abort()
    first.abort()
    await expect(waiting).rejects.toBeInstanceOf(UploadError)
    await expect(failing).rejects.toBeInstanceOf(UploadError)
    expect(clock.pending).toBe(0)
  })

  it('model: pause and resume while the create is on its way make one server upload, not two', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const create = protocol.create.bind(protocol)
    const answers: (() => void)[] = []
    protocol.create = () =>
      new Promise((resolve) => {
        answers.push(() => resolve(create()))
      })
    const { uploader, clock } = setup(protocol)
    uploader.add(fileOf(300))
    await clock.advance(10)
    expect(answers).toHaveLength(1)
    uploader.pause()
    uploader.resume()
    await clock.advance(10)
    for (const answer of answers.splice(0)) answer()
    await clock.advance(10)
    for (const answer of answers.splice(0)) answer()
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done', clock)
    expect(protocol.calls.filter((c) => c === 'create')).toEqual(['create'])
    expect(protocol.uploads.size).toBe(1)
    uploader.destroy()
  })
})
