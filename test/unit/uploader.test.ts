import { describe, expect, it } from 'vitest'
import { UploadError, type UploaderSnapshot } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { FakeClock, settle } from '../fakes/fake-clock'
import { FakeHasher, md5Hex } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { scriptedEngine, type ScriptedEngineOptions } from '../fakes/engine'
import { fileOf } from '../fakes/files'
import { until } from '../fakes/until'

function setup(overrides: ScriptedEngineOptions) {
  return scriptedEngine({
    concurrency: 3,
    progressIntervalMs: 10,
    // Fixed lanes and part size: these tests script each part; adaptive has its own tests.
    adaptive: false,
    ...overrides,
  })
}

const stateOf = (uploader: { getSnapshot(): UploaderSnapshot }, i = 0) =>
  uploader.getSnapshot().uploads[i]?.status.state

describe('uploader', () => {
  it('uploads two files with one global cap on requests in flight', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { uploader } = setup({ protocol })
    const done: string[] = []
    uploader.on('upload-success', ({ upload }) => done.push(upload.file.name))
    uploader.add([fileOf(1000, 'a.bin'), fileOf(750, 'b.bin')])
    await until(() => done.length === 2)
    expect(done.sort()).toEqual(['a.bin', 'b.bin'])
    expect(protocol.maxInFlight).toBeLessThanOrEqual(3)
    expect(protocol.calls.filter((c) => c.startsWith('part:'))).toHaveLength(10 + 8)
    const total = uploader.getSnapshot().total
    expect(total.progress).toBe(1)
    expect(total.bytesUploaded).toBe(1750)
  })

  it('keeps the shown progress monotonic and within 100 % across failures and retries', async () => {
    const clock = new FakeClock()
    const failed = new Set<number>()
    const protocol = new FakeProtocol({
      onPart: (call) => {
        call.progress(80)
        // Answer after the 80 bytes were published, so a drop would be visible. Parts 0, 2,
        // 4 and 6 fail once each: retries, not an outage (that would pause as offline).
        clock.setTimeout(() => {
          if (call.index % 2 === 0 && call.index < 8 && !failed.has(call.index)) {
            failed.add(call.index)
            call.fail(new UploadError('network', 'reset'))
          } else {
            call.progress(call.end - call.start)
            call.succeed()
          }
        }, 50)
      },
    })
    const { uploader, snapshots } = setup({
      protocol,
      clock,
      concurrency: 1,
      retry: { baseDelayMs: 10, jitter: 0 },
    })
    uploader.add(fileOf(1000))
    await until(() => stateOf(uploader) === 'done', clock)
    const shown = snapshots.map((s) => s.uploads[0].bytesUploaded)
    expect(shown).toContain(80)
    for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThanOrEqual(shown[i - 1])
    expect(Math.max(...snapshots.map((s) => s.uploads[0].progress))).toBeLessThanOrEqual(1)
    const final = uploader.getSnapshot().uploads[0]
    expect(final.retries).toBe(4)
    expect(final.bytesResent).toBe(4 * 80)
    expect(final.bytesUploaded).toBe(1000)
  })

  it('pauses without leaving a request running, and resumes from what the server holds', async () => {
    const protocol = new FakeProtocol()
    const { uploader } = setup({ protocol })
    uploader.add(fileOf(1000))
    const first = [await protocol.nextPart(), await protocol.nextPart(), await protocol.nextPart()]
    first[0].succeed()
    first[1].succeed()
    await settle()
    const inFlight = [first[2], await protocol.nextPart(), await protocol.nextPart()]
    uploader.pause()
    await settle()
    expect(stateOf(uploader)).toBe('paused')
    expect(inFlight.every((call) => call.signal.aborted)).toBe(true)
    expect(protocol.inFlight).toBe(0)
    const callsWhilePaused = protocol.calls.length
    await settle()
    expect(protocol.calls.length).toBe(callsWhilePaused)

    uploader.resume()
    const resent: number[] = []
    for (;;) {
      const call = await Promise.race([protocol.nextPart(), settle(20).then(() => undefined)])
      if (!call) break
      resent.push(call.index)
      call.succeed()
    }
    await until(() => stateOf(uploader) === 'done')
    expect(protocol.calls).toContain('status')
    expect(resent.sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9])
    expect(uploader.getSnapshot().uploads[0].resumed).toBe(true)
  })

  it('cancels: aborts requests, deletes the upload on the server and the resume record', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const { uploader } = setup({ protocol, store })
    uploader.add(fileOf(1000))
    const call = await protocol.nextPart()
    call.succeed()
    await uploader.flush()
    await settle()
    expect(store.size).toBe(1)
    await uploader.cancel()
    expect(stateOf(uploader)).toBe('canceled')
    expect(protocol.inFlight).toBe(0)
    expect(protocol.calls).toContain('abort')
    expect([...protocol.uploads.values()][0].aborted).toBe(true)
    await uploader.flush()
    expect(store.size).toBe(0)
  })

  it('detects a stalled request, aborts it and retries the part', async () => {
    const protocol = new FakeProtocol()
    const { uploader, clock } = setup({
      protocol,
      concurrency: 1,
      stallTimeoutMs: 5000,
      retry: { jitter: 0 },
    })
    const retries: string[] = []
    uploader.on('upload-retry', ({ error }) => retries.push(error.code))
    uploader.add(fileOf(100))
    const stalled = await protocol.nextPart()
    stalled.progress(10)
    await clock.advance(4999)
    expect(stalled.signal.aborted).toBe(false)
    await clock.advance(1)
    expect(stalled.signal.aborted).toBe(true)
    expect((stalled.signal.reason as UploadError).code).toBe('stalled')
    await clock.advance(1000)
    const again = await protocol.nextPart()
    expect(again.index).toBe(0)
    again.succeed()
    await until(() => stateOf(uploader) === 'done', clock)
    expect(retries).toEqual(['stalled'])
  })

  it('fails the file with a typed error on a permanent failure, and retry() continues', async () => {
    let refuse = true
    const protocol = new FakeProtocol({
      onPart: (call) =>
        refuse && call.index === 1
          ? queueMicrotask(() =>
              call.fail(new UploadError('rejected', 'forbidden', { status: 403 })),
            )
          : autoSucceed(call),
    })
    const { uploader } = setup({ protocol, concurrency: 1 })
    const errors: UploadError[] = []
    uploader.on('upload-error', ({ error }) => errors.push(error))
    uploader.add(fileOf(300))
    await until(() => stateOf(uploader) === 'error')
    const status = uploader.getSnapshot().uploads[0].status
    expect(status.state === 'error' && status.error.code).toBe('rejected')
    expect(errors).toHaveLength(1)
    refuse = false
    uploader.retry()
    await until(() => stateOf(uploader) === 'done')
    expect(protocol.calls.filter((c) => c === 'part:0')).toHaveLength(1)
  })

  it('stops the other lanes at once when one part fails for good', async () => {
    const protocol = new FakeProtocol()
    const { uploader } = setup({ protocol, concurrency: 3 })
    uploader.add(fileOf(2000)) // 20 parts
    const calls = [await protocol.nextPart(), await protocol.nextPart(), await protocol.nextPart()]
    calls[0].fail(new UploadError('rejected', 'forbidden', { status: 403 }))
    await until(() => stateOf(uploader) === 'error')
    expect(calls[1].signal.aborted && calls[2].signal.aborted).toBe(true)
    await settle()
    expect(protocol.calls.filter((c) => c.startsWith('part:'))).toHaveLength(3)
    expect(protocol.inFlight).toBe(0)
  })

  it('enforces restrictions in the engine with typed errors', () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { uploader } = setup({
      protocol,
      autoStart: false,
      accept: ['.mp4', 'image/*'],
      maxFileSize: 500,
      maxFiles: 2,
    })
    const result = uploader.add([
      fileOf(100, 'clip.mp4', { type: 'video/mp4' }),
      fileOf(100, 'notes.txt', { type: 'text/plain' }),
      fileOf(600, 'big.mp4', { type: 'video/mp4' }),
      fileOf(10, 'photo.jpg', { type: 'image/jpeg' }),
      fileOf(10, 'third.png', { type: 'image/png' }),
    ])
    expect(result.added.map((u) => u.file.name)).toEqual(['clip.mp4', 'photo.jpg'])
    expect(result.rejected.map((r) => [r.file.name, r.error.code])).toEqual([
      ['notes.txt', 'file-type-rejected'],
      ['big.mp4', 'file-too-large'],
      ['third.png', 'too-many-files'],
    ])
    expect(result.rejected.every((r) => !r.error.retryable)).toBe(true)
    expect(protocol.calls).toEqual([])
  })

  it('resumes in a later visit from the stored record, sending only what the server lacks', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore() // the fake clocks start at 0
    const file = fileOf(1000)
    const first = setup({ protocol, store, hasher: new FakeHasher() })
    first.uploader.add(file)
    for (let i = 0; i < 3; i++) (await protocol.nextPart()).succeed()
    await settle()
    await first.uploader.flush()
    first.uploader.destroy()
    await settle()

    // A new page: a new engine and protocol object, the same backend and the same store.
    const backend = new FakeProtocol({ onPart: autoSucceed })
    for (const [id, upload] of protocol.uploads) backend.uploads.set(id, upload)
    const later = setup({ protocol: backend, store, hasher: new FakeHasher() })
    const started: { resumed: boolean; bytes: number }[] = []
    later.uploader.on('upload-started', (e) =>
      started.push({ resumed: e.resumed, bytes: e.bytesAlreadyUploaded }),
    )
    later.uploader.add(file)
    await until(() => stateOf(later.uploader) === 'done')
    expect(started).toEqual([{ resumed: true, bytes: 300 }])
    const sent = backend.calls.filter((c) => c.startsWith('part:'))
    expect(sent.sort()).toEqual([
      'part:3',
      'part:4',
      'part:5',
      'part:6',
      'part:7',
      'part:8',
      'part:9',
    ])
    expect(backend.calls).not.toContain('create')
    await later.uploader.flush()
    expect(store.size).toBe(0)
  })

  it('lists uploads from an earlier visit as pending, and discard deletes them on the server', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const earlier = setup({ protocol, store, hasher: new FakeHasher() })
    earlier.uploader.add(fileOf(1000, 'video.mp4'))
    for (let i = 0; i < 2; i++) (await protocol.nextPart()).succeed()
    await settle()
    await earlier.uploader.flush()
    earlier.uploader.destroy()

    const later = setup({ protocol, store, hasher: new FakeHasher() })
    const pending = await later.uploader.pending()
    expect(pending).toHaveLength(1)
    expect(pending[0]).toMatchObject({
      file: { name: 'video.mp4', size: 1000 },
      bytesUploaded: 200,
    })
    // Another backend's records are not this uploader's to show.
    const other = setup({
      protocol: Object.assign(new FakeProtocol(), { endpoint: 'memory://other' }),
      store,
    })
    expect(await other.uploader.pending()).toEqual([])

    await later.uploader.discard(pending[0].key)
    expect([...protocol.uploads.values()][0].aborted).toBe(true)
    expect(await later.uploader.pending()).toEqual([])
    expect(store.size).toBe(0)
  })

  it('reports unreadable storage as a warning and an empty pending list', async () => {
    const protocol = new FakeProtocol()
    const broken = { ...createMemoryStore(), list: () => Promise.reject(new Error('blocked')) }
    const { uploader } = setup({ protocol, store: broken })
    const warnings: string[] = []
    uploader.on('warning', ({ error }) => warnings.push(error.code))
    expect(await uploader.pending()).toEqual([])
    expect(warnings).toEqual(['storage-unavailable'])
  })

  it('completes at once when the server already holds the file (instant upload)', async () => {
    const protocol = new FakeProtocol({
      createResult: () => ({ kind: 'complete', result: { size: 1000, hash: 'abc' } }),
    })
    const { uploader } = setup({ protocol })
    const instant: boolean[] = []
    uploader.on('upload-success', (e) => instant.push(e.instant))
    uploader.add(fileOf(1000))
    await until(() => stateOf(uploader) === 'done')
    expect(instant).toEqual([true])
    expect(protocol.calls).toEqual(['create'])
  })

  it('never waits for the full hash to send bytes, and has the server verify it at the end', async () => {
    const hasher = new FakeHasher(true)
    let verified: string | undefined
    const protocol = new FakeProtocol({
      onPart: autoSucceed,
      completeResult: (hash) => ((verified = hash), { size: 500, hash }),
    })
    const { uploader } = setup({ protocol, hasher })
    const file = fileOf(500)
    uploader.add(file)
    await until(() => stateOf(uploader) === 'hashing')
    expect(protocol.calls.filter((c) => c.startsWith('part:'))).toHaveLength(5)
    expect(protocol.calls).not.toContain('complete')
    hasher.release()
    await until(() => stateOf(uploader) === 'done')
    expect(verified).toBe(md5Hex(new Uint8Array(await file.arrayBuffer())))
  })

  it('neither computes nor waits for the file hash when the protocol cannot verify it', async () => {
    const hasher = new FakeHasher(true) // would hold any full hash forever
    const protocol = new FakeProtocol({
      onPart: autoSucceed,
      capabilities: { verifiesFileHash: false },
    })
    Object.assign(protocol, { claim: undefined }) // no instant upload by hash either
    const { uploader } = setup({ protocol, hasher })
    uploader.add(fileOf(500))
    await until(() => stateOf(uploader) === 'done')
    expect(hasher.md5Calls).toBe(0)
    expect(uploader.getSnapshot().uploads[0].hash.state).toBe('off')
  })

  it('starts over by itself when the server expired an upload created in this visit', async () => {
    let expire = true
    const protocol = new FakeProtocol({
      onPart: (call) =>
        expire && call.index === 2
          ? queueMicrotask(() => {
              expire = false
              protocol.uploads.clear() // the server forgot it
              call.fail(new UploadError('expired', 'gone', { status: 410 }))
            })
          : autoSucceed(call),
    })
    const store = createMemoryStore()
    const { uploader } = setup({ protocol, store, concurrency: 1 })
    const errors: unknown[] = []
    uploader.on('upload-error', (event) => errors.push(event))
    uploader.add(fileOf(500))
    await until(() => stateOf(uploader) === 'done')
    expect(errors).toEqual([])
    expect(uploader.getSnapshot().uploads[0].restarted).toBe(true)
    expect(protocol.calls.filter((c) => c === 'create')).toHaveLength(2)
    expect(protocol.calls.filter((c) => c.startsWith('part:'))).toHaveLength(3 + 5)
    await uploader.flush()
    expect(store.size).toBe(0)
  })

  it('fails with hash-mismatch when the stored file differs', async () => {
    const protocol = new FakeProtocol({
      onPart: autoSucceed,
      completeResult: () => ({ size: 200, hash: '0'.repeat(32) }),
    })
    const { uploader } = setup({ protocol, hasher: new FakeHasher() })
    uploader.add(fileOf(200))
    await until(() => stateOf(uploader) === 'error')
    const status = uploader.getSnapshot().uploads[0].status
    expect(status.state === 'error' && status.error.code).toBe('hash-mismatch')
  })

  it('pauses everything when offline and resumes by itself when back online', async () => {
    const protocol = new FakeProtocol()
    const { uploader } = setup({ protocol })
    uploader.add(fileOf(1000))
    const call = await protocol.nextPart()
    uploader.setOnline(false)
    await settle()
    expect(call.signal.aborted).toBe(true)
    const status = uploader.getSnapshot().uploads[0].status
    expect(status).toEqual({ state: 'paused', reason: 'offline' })
    expect(uploader.getSnapshot().online).toBe(false)
    uploader.setOnline(true)
    let next = await protocol.nextPart()
    while (next.signal.aborted) next = await protocol.nextPart() // calls made before going offline
    expect(next.signal.aborted).toBe(false)
    expect(uploader.getSnapshot().uploads[0].status).toEqual({
      state: 'uploading',
      retrying: false,
    })
  })
})
