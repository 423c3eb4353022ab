import { afterEach, describe, expect, it } from 'vitest'
import type { Uploader, UploadError } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { createTabChannel, createWebLocks, type TabChannel } from '../../src/tabs'
import { FakeClock, settle } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { FakeProtocol, type PartCall } from '../fakes/fake-protocol'
import { scriptedEngine, type ScriptedEngineOptions } from '../fakes/engine'
import { fileOf } from '../fakes/files'
import { FakeBus, FakeLockManager, type FakeTab } from '../fakes/fake-tabs'
import { until } from '../fakes/until'

/** Two (or more) tabs of one origin: shared locks, channel, IndexedDB and server. */
function origin() {
  const clock = new FakeClock()
  const locks = new FakeLockManager()
  const bus = new FakeBus()
  const store = createMemoryStore()
  const protocol = new FakeProtocol()
  const opened: { uploader: Uploader; channel: TabChannel; tab: FakeTab }[] = []
  function tab(overrides: Partial<ScriptedEngineOptions> = {}) {
    const lockTab = locks.tab()
    const channel = createTabChannel({ clock, open: bus.open })
    const { uploader } = scriptedEngine({
      protocol,
      hasher: new FakeHasher(),
      store,
      clock,
      concurrency: 1,
      progressIntervalMs: 10,
      locks: createWebLocks({ locks: lockTab }),
      peers: channel,
      ...overrides,
    })
    opened.push({ uploader, channel, tab: lockTab })
    return {
      uploader,
      channel,
      /** The page goes away: the engine stops, the browser drops its locks and channel. */
      close() {
        uploader.destroy()
        channel.close()
        lockTab.close()
      },
    }
  }
  return { clock, locks, bus, store, protocol, tab, opened }
}

let current: ReturnType<typeof origin> | undefined
afterEach(() => {
  for (const { uploader, channel } of current?.opened ?? []) {
    uploader.destroy()
    channel.close()
  }
  current = undefined
})

const statusOf = (uploader: Uploader) => uploader.getSnapshot().uploads[0]?.status
const held = (o: ReturnType<typeof origin>) => [...o.locks.holders.keys()]

/** Answers part calls as they come, `bytes` at a time, until told to stop. */
function answerParts(protocol: FakeProtocol, onCall: (call: PartCall) => void) {
  let stopped = false
  void (async () => {
    while (!stopped) onCall(await protocol.nextPart())
  })()
  return () => (stopped = true)
}

describe('one upload, two tabs (Web Locks + BroadcastChannel)', () => {
  it('the second tab waits as "elsewhere", sends nothing, shows the first tab\'s progress, and takes over when it closes', async () => {
    const o = (current = origin())
    const first = o.tab()
    const second = o.tab()
    const file = fileOf(1000, 'movie.bin')
    first.uploader.add(file)
    // The first tab sends parts 0..3 and half of part 4, then hangs on it.
    let call = await o.protocol.nextPart()
    while (call.index < 4) {
      call.progress(100)
      call.succeed()
      call = await o.protocol.nextPart()
    }
    call.progress(50)
    await o.clock.advance(300)
    expect(held(o)).toHaveLength(1)

    const callsBefore = o.protocol.calls.length
    const waits: string[] = []
    second.uploader.on('upload-paused', ({ reason }) => waits.push(reason))
    second.uploader.add(fileOf(1000, 'movie.bin'))
    await until(() => statusOf(second.uploader)?.state === 'paused', o.clock)
    expect(statusOf(second.uploader)).toEqual({ state: 'paused', reason: 'elsewhere' })
    expect(waits).toEqual(['elsewhere'])
    // Published by the first tab, heard by the second: the same resume key, its bytes.
    await until(() => second.uploader.getSnapshot().elsewhere.length === 1, o.clock)
    const [remote] = second.uploader.getSnapshot().elsewhere
    expect(remote).toMatchObject({
      name: 'movie.bin',
      size: 1000,
      bytesUploaded: 450,
      state: 'uploading',
    })
    expect(second.uploader.getSnapshot().uploads[0].bytesUploaded).toBe(450)
    expect(first.uploader.getSnapshot().elsewhere).toEqual([])
    await o.clock.advance(2000)
    // Nothing from the second tab reached the server while it waited.
    expect(o.protocol.calls.slice(callsBefore)).toEqual([])
    expect(statusOf(second.uploader)).toEqual({ state: 'paused', reason: 'elsewhere' })

    // The first tab closes mid-part: its lock goes, the second asks the server and goes on.
    first.close()
    const stop = answerParts(o.protocol, (c) => {
      c.progress(c.end - c.start)
      c.succeed()
    })
    await until(() => statusOf(second.uploader)?.state === 'done', o.clock)
    stop()
    const after = o.protocol.calls.slice(callsBefore)
    expect(after[0]).toBe('status') // the server's answer first
    expect(after).not.toContain('create') // the same server-side upload, continued
    expect(after.filter((c) => c.startsWith('part:'))).toEqual([
      'part:4',
      'part:5',
      'part:6',
      'part:7',
      'part:8',
      'part:9',
    ])
    expect(o.protocol.uploads.size).toBe(1)
    expect([...o.protocol.uploads.values()][0].completed).toBe(true)
    const upload = second.uploader.getSnapshot().uploads[0]
    expect(upload.resumed).toBe(true)
    expect(upload.bytesUploaded).toBe(1000)
    expect(held(o)).toEqual([])
  })

  it('releases the lock on pause, cancel, done, error and destroy', async () => {
    const o = (current = origin())
    const { uploader } = o.tab()
    uploader.add(fileOf(300, 'a.bin'))
    const first = await o.protocol.nextPart()
    expect(held(o)).toHaveLength(1)
    uploader.pause()
    await settle()
    expect(first.signal.aborted).toBe(true)
    expect(held(o)).toEqual([])
    uploader.resume()
    let next = await o.protocol.nextPart()
    while (next.signal.aborted) next = await o.protocol.nextPart()
    expect(held(o)).toHaveLength(1)
    await uploader.cancel()
    expect(held(o)).toEqual([])

    // done
    const stop = answerParts(o.protocol, (c) => {
      c.progress(c.end - c.start)
      c.succeed()
    })
    const { uploader: other } = o.tab()
    other.add(fileOf(200, 'b.bin'))
    await until(() => statusOf(other)?.state === 'done', o.clock)
    expect(held(o)).toEqual([])
    stop()

    // error
    const { uploader: failing } = o.tab()
    failing.add(fileOf(200, 'c.bin'))
    const bad = await o.protocol.nextPart()
    expect(held(o)).toHaveLength(1)
    bad.fail(new (await import('../../src/core')).UploadError('rejected', 'no', { status: 403 }))
    await until(() => statusOf(failing)?.state === 'error', o.clock)
    expect(held(o)).toEqual([])

    // destroy
    const { uploader: destroyed } = o.tab()
    destroyed.add(fileOf(200, 'd.bin'))
    await o.protocol.nextPart()
    expect(held(o)).toHaveLength(1)
    destroyed.destroy()
    await settle()
    expect(held(o)).toEqual([])
  })

  it("a waiting upload can be paused or canceled without touching the other tab's upload", async () => {
    const o = (current = origin())
    const first = o.tab()
    const second = o.tab()
    first.uploader.add(fileOf(300, 'movie.bin'))
    await o.protocol.nextPart()
    second.uploader.add(fileOf(300, 'movie.bin'))
    await until(() => statusOf(second.uploader)?.state === 'paused', o.clock)
    second.uploader.pause()
    await settle()
    expect(statusOf(second.uploader)).toEqual({ state: 'paused', reason: 'user' })
    second.uploader.resume()
    await until(
      () => (statusOf(second.uploader) as { reason?: string }).reason === 'elsewhere',
      o.clock,
    )
    await second.uploader.cancel()
    expect(statusOf(second.uploader)).toEqual({ state: 'canceled' })
    expect(o.protocol.calls).not.toContain('abort')
    expect(statusOf(first.uploader)).toEqual({ state: 'uploading', retrying: false })
  })

  it('takes over as done when the tab it waited for finished the upload', async () => {
    const o = (current = origin())
    const first = o.tab()
    const second = o.tab()
    first.uploader.add(fileOf(200, 'movie.bin'))
    const part = await o.protocol.nextPart()
    second.uploader.add(fileOf(200, 'movie.bin'))
    await until(() => statusOf(second.uploader)?.state === 'paused', o.clock)
    const stop = answerParts(o.protocol, (c) => {
      c.progress(c.end - c.start)
      c.succeed()
    })
    part.progress(100)
    part.succeed()
    await until(() => statusOf(second.uploader)?.state === 'done', o.clock)
    stop()
    expect(statusOf(first.uploader)?.state).toBe('done')
    expect(o.protocol.calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(second.uploader.getSnapshot().uploads[0].bytesUploaded).toBe(200)
  })

  it('does not list an upload another tab is sending as pending, until that tab is gone', async () => {
    const o = (current = origin())
    const first = o.tab()
    const second = o.tab()
    first.uploader.add(fileOf(300, 'movie.bin'))
    const call = await o.protocol.nextPart()
    call.progress(50)
    await until(() => second.uploader.getSnapshot().elsewhere.length === 1, o.clock)
    await first.uploader.flush()
    expect(await second.uploader.pending()).toEqual([])
    first.close()
    await until(() => second.uploader.getSnapshot().elsewhere.length === 0, o.clock)
    expect((await second.uploader.pending()).map((p) => p.file.name)).toEqual(['movie.bin'])
  })

  it('without Web Locks, warns once and uploads anyway', async () => {
    const o = (current = origin())
    const { uploader } = o.tab({ locks: createWebLocks({ locks: {} as never }) })
    const warnings: UploadError[] = []
    uploader.on('warning', ({ error }) => warnings.push(error))
    const stop = answerParts(o.protocol, (c) => {
      c.progress(c.end - c.start)
      c.succeed()
    })
    uploader.add([fileOf(200, 'a.bin'), fileOf(300, 'b.bin')])
    await until(
      () => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'),
      o.clock,
    )
    stop()
    expect(warnings.map((w) => [w.code, w.retryable, w.params])).toEqual([
      ['cross-tab-unavailable', false, { feature: 'Web Locks' }],
    ])
  })
})
