import { afterEach, describe, expect, it } from 'vitest'
import type { TabUpload, TabUploadSummary } from '../../src/core'
import { createTabChannel, createWebLocks, type TabChannel } from '../../src/tabs'
import { FakeClock, settle } from '../fakes/fake-clock'
import { FakeBus, FakeLockManager, type FakeChannel } from '../fakes/fake-tabs'

const summary = (bytesUploaded: number, key = 'k1'): TabUploadSummary => ({
  key,
  name: 'movie.mp4',
  size: 1000,
  bytesUploaded,
  state: 'uploading',
})

function setup() {
  const clock = new FakeClock()
  const bus = new FakeBus()
  const raw: FakeChannel[] = []
  const channels: TabChannel[] = []
  const open = (name: string) => {
    const channel = bus.open(name) as FakeChannel
    raw.push(channel)
    return channel
  }
  const tab = () => {
    const channel = createTabChannel({ clock, open })
    channels.push(channel)
    const heard: (readonly TabUpload[])[] = []
    channel.subscribe((list) => heard.push(list))
    return { channel, heard, last: () => heard.at(-1) ?? [] }
  }
  return { clock, bus, raw, channels, tab }
}

let opened: TabChannel[] = []
afterEach(() => {
  opened.forEach((channel) => channel.close())
  opened = []
})

describe('tab channel (BroadcastChannel adapter)', () => {
  it('publishes throttled summaries that the other tabs see, and never echoes its own', async () => {
    const s = setup()
    opened = s.channels
    const a = s.tab()
    const b = s.tab()
    for (let bytes = 10; bytes <= 100; bytes += 10) {
      a.channel.publish([summary(bytes)])
      await s.clock.advance(20)
    }
    await s.clock.advance(300)
    const states = s.bus.sent.filter((m) => (m.data as { kind: string }).kind === 'state')
    // 200 ms of changes every 20 ms: the first at once, then at most one per 250 ms.
    expect(states.length).toBeLessThanOrEqual(3)
    expect(b.last()).toEqual([
      expect.objectContaining({ ...summary(100), seenAt: expect.any(Number) }),
    ])
    expect(a.last()).toEqual([])
  })

  it('repeats the summary while uploading, and drops a silent tab after the expiry', async () => {
    const s = setup()
    opened = s.channels
    const a = s.tab()
    const b = s.tab()
    a.channel.publish([summary(500)])
    await s.clock.advance(10_000)
    expect(b.last()).toHaveLength(1) // heartbeats kept it alive for 10 s
    // The tab crashes: no goodbye, no more heartbeats.
    s.raw[0].crash()
    await s.clock.advance(3000)
    expect(b.last()).toHaveLength(1)
    await s.clock.advance(2000)
    expect(b.last()).toEqual([])
  })

  it('drops a tab at once when it says goodbye (close, pagehide) or publishes nothing', async () => {
    const s = setup()
    opened = s.channels
    const a = s.tab()
    const b = s.tab()
    const c = s.tab()
    a.channel.publish([summary(1), summary(2, 'k2')])
    c.channel.publish([summary(3, 'k3')])
    await s.clock.advance(10)
    expect(
      b
        .last()
        .map((u) => u.key)
        .sort(),
    ).toEqual(['k1', 'k2', 'k3'])
    a.channel.publish([])
    await s.clock.advance(300)
    expect(b.last().map((u) => u.key)).toEqual(['k3'])
    dispatchEvent(new Event('pagehide'))
    await settle()
    expect(b.last()).toEqual([])
    c.channel.publish([summary(4, 'k3')])
    await s.clock.advance(300)
    expect(b.last().map((u) => u.bytesUploaded)).toEqual([4])
    c.channel.close()
    await settle()
    expect(b.last()).toEqual([])
  })

  it('tells of a finished upload once, without heartbeats, so it expires over there', async () => {
    const s = setup()
    opened = s.channels
    const a = s.tab()
    const b = s.tab()
    a.channel.publish([{ ...summary(1000), state: 'done' }])
    await s.clock.advance(10)
    expect(b.last()).toEqual([expect.objectContaining({ key: 'k1', state: 'done' })])
    const sent = s.bus.sent.length
    await s.clock.advance(5000)
    expect(s.bus.sent.length).toBe(sent)
    expect(b.last()).toEqual([])
  })

  it('answers a new tab at once instead of at the next heartbeat', async () => {
    const s = setup()
    opened = s.channels
    const a = s.tab()
    a.channel.publish([summary(7)])
    await s.clock.advance(10)
    const late = s.tab()
    await settle()
    expect(late.last()).toEqual([expect.objectContaining({ key: 'k1', bytesUploaded: 7 })])
  })

  it('ignores foreign and malformed messages', async () => {
    const s = setup()
    opened = s.channels
    const b = s.tab()
    const intruder = s.bus.open('vue-chunked-upload')
    for (const data of [
      'hello',
      null,
      { v: 2, kind: 'state', tab: 'x', uploads: [summary(1)] },
      { v: 1, kind: 'state', tab: 7, uploads: [summary(1)] },
      { v: 1, kind: 'state', tab: 'x', uploads: 'nope' },
      { v: 1, kind: 'state', tab: 'x', uploads: [{ ...summary(1), size: -1 }, { key: 'k' }] },
      { v: 1, kind: 'state', tab: 'x', uploads: [{ ...summary(1), state: 'hacked' }] },
    ]) {
      intruder.postMessage(data)
    }
    await settle()
    expect(b.last()).toEqual([])
    intruder.postMessage({ v: 1, kind: 'state', tab: 'x', uploads: [summary(5000)] })
    await settle()
    // Bytes past the size are clamped.
    expect(b.last()).toEqual([expect.objectContaining({ tab: 'x', bytesUploaded: 1000 })])
    intruder.close()
  })

  it('does nothing without BroadcastChannel', async () => {
    const clock = new FakeClock()
    const channel = createTabChannel({ clock, open: () => undefined as never })
    const heard: unknown[] = []
    channel.subscribe((list) => heard.push(list))
    channel.publish([summary(1)])
    await clock.advance(5000)
    expect(heard).toEqual([])
    channel.close()
    expect(clock.pending).toBe(0)
  })

  it('close() leaves no timer and no listener behind', async () => {
    const s = setup()
    const a = s.tab()
    const b = s.tab()
    a.channel.publish([summary(1)])
    b.channel.publish([summary(2, 'k2')])
    await s.clock.advance(100)
    a.channel.close()
    b.channel.close()
    expect(s.clock.pending).toBe(0)
    expect(s.raw.every((c) => c.closed)).toBe(true)
    expect(() => a.channel.publish([summary(3)])).not.toThrow()
  })
})

describe('Web Locks adapter', () => {
  it('holds, refuses when held, waits, and hands over on release or tab close', async () => {
    const manager = new FakeLockManager()
    const first = createWebLocks({ locks: manager.tab() })
    const secondTab = manager.tab()
    const second = createWebLocks({ locks: secondTab })
    const release = await first.tryLock('k')
    expect(release).toBeTypeOf('function')
    expect(await second.tryLock('k')).toBeUndefined()
    const controller = new AbortController()
    let granted: (() => void) | undefined
    void second.lock('k', controller.signal).then((r) => (granted = r))
    await settle()
    expect(granted).toBeUndefined()
    release!()
    await settle()
    expect(granted).toBeTypeOf('function')
    expect(manager.held('vue-chunked-upload:k')).toBe(true)
    secondTab.close() // the browser frees a closed tab's locks
    await settle()
    expect(manager.held('vue-chunked-upload:k')).toBe(false)
  })

  it('stops waiting when the signal aborts, with the abort reason', async () => {
    const manager = new FakeLockManager()
    const first = createWebLocks({ locks: manager.tab() })
    const second = createWebLocks({ locks: manager.tab() })
    await first.tryLock('k')
    const controller = new AbortController()
    const waiting = second.lock('k', controller.signal)
    const reason = new Error('paused')
    controller.abort(reason)
    await expect(waiting).rejects.toMatchObject({ code: 'aborted', cause: reason })
  })

  it('rejects with cross-tab-unavailable where Web Locks are missing', async () => {
    const locks = createWebLocks({ locks: {} as never })
    await expect(locks.tryLock('k')).rejects.toMatchObject({
      code: 'cross-tab-unavailable',
      retryable: false,
    })
  })
})
