import { effectScope } from 'vue'
import { describe, expect, it } from 'vitest'
import { UploadError, type Uploader, type UploadEvents } from '../../src/core'
import { useChunkedUpload } from '../../src/vue'
import { createFakeUploader } from '../fakes/fake-uploader'
import { FakeClock, settle } from '../fakes/fake-clock'
import { FakeProtocol, type PartCall } from '../fakes/fake-protocol'
import { scriptedEngine } from '../fakes/engine'
import { fileOf } from '../fakes/files'
import { until } from '../fakes/until'

/** A server behind a link the test cuts and restores; `navigator.onLine` is not told. */
function flakyLink() {
  const link = { up: true, failures: 0 }
  const protocol = new FakeProtocol({
    onPart: (call: PartCall) =>
      queueMicrotask(() => {
        if (!link.up) {
          link.failures++
          return call.fail(new UploadError('network', 'ERR_CONNECTION_RESET'))
        }
        call.progress(call.end - call.start)
        call.succeed()
      }),
  })
  // Control requests go through the link too.
  const status = protocol.status.bind(protocol)
  protocol.status = async (request) => {
    if (!link.up) {
      link.failures++
      throw new UploadError('network', 'ERR_CONNECTION_RESET')
    }
    return status(request)
  }
  return { link, protocol }
}

function setup(protocol: FakeProtocol, clock: FakeClock) {
  const { uploader } = scriptedEngine({
    protocol,
    clock,
    concurrency: 2,
    progressIntervalMs: 10,
    retry: { baseDelayMs: 100, maxDelayMs: 2000, jitter: 0 },
  })
  const events: string[] = []
  const on = <K extends keyof UploadEvents>(name: K, fn: (p: UploadEvents[K]) => string) =>
    uploader.on(name, (payload) => events.push(fn(payload)))
  on('upload-paused', ({ reason }) => `paused:${reason}`)
  on('upload-resumed', () => 'resumed')
  on('upload-error', ({ error }) => `error:${error.code}`)
  on('upload-success', () => 'success')
  return { uploader, events }
}

const statusOf = (uploader: Uploader) => uploader.getSnapshot().uploads[0].status

describe('network awareness: navigator.onLine lies', () => {
  it('repeated network failures while "online" pause as offline, probe with backoff, and resume by themselves', async () => {
    const clock = new FakeClock()
    const { link, protocol } = flakyLink()
    const { uploader, events } = setup(protocol, clock)
    let sent = 0
    uploader.on('part-uploaded', () => {
      if (++sent === 3) link.up = false // the Wi-Fi stays "connected", the internet is gone
    })
    uploader.add(fileOf(1000))
    await until(() => statusOf(uploader).state === 'paused', clock)
    expect(statusOf(uploader)).toEqual({ state: 'paused', reason: 'offline' })
    expect(uploader.getSnapshot().online).toBe(false)
    // Three failures in a row per lane (two lanes), not the eight attempts of the policy.
    expect(link.failures).toBeLessThanOrEqual(3 * 2)
    // Still down for a minute: probes back off, nothing fails.
    await clock.advance(60_000)
    const failuresInAMinute = link.failures
    expect(failuresInAMinute).toBeGreaterThan(4)
    // Backoff up to maxDelayMs (2 s): about one probe every 2 s, not a busy loop.
    expect(failuresInAMinute).toBeLessThan(45)
    expect(events).not.toContainEqual(expect.stringMatching(/^error:/))
    expect(statusOf(uploader)).toEqual({ state: 'paused', reason: 'offline' })
    link.up = true
    await until(() => statusOf(uploader).state === 'done', clock, 100)
    expect(events).not.toContainEqual(expect.stringMatching(/^error:/))
    expect(events.at(-1)).toBe('success')
    expect(uploader.getSnapshot().online).toBe(true)
    expect(uploader.getSnapshot().uploads[0].bytesUploaded).toBe(1000)
    uploader.destroy()
  })

  it("retries at once on the browser's online event instead of waiting for the next probe", async () => {
    const clock = new FakeClock()
    const { link, protocol } = flakyLink()
    const { uploader } = setup(protocol, clock)
    link.up = false
    uploader.add(fileOf(500))
    await until(() => statusOf(uploader).state === 'paused', clock)
    await clock.advance(30_000) // probes now back off by seconds
    link.up = true
    const partsBefore = protocol.calls.filter((c) => c.startsWith('part:')).length
    uploader.setOnline(true) // navigator said online all along: this is the 'online' event
    await settle()
    await clock.advance(1)
    expect(protocol.calls.filter((c) => c.startsWith('part:')).length).toBeGreaterThan(partsBefore)
    await until(() => statusOf(uploader).state === 'done', clock)
    uploader.destroy()
  })

  it('offline (the browser says so) pauses without probing, online resumes at once', async () => {
    const clock = new FakeClock()
    const { link, protocol } = flakyLink()
    const { uploader, events } = setup(protocol, clock)
    let sent = 0
    uploader.on('part-uploaded', () => {
      if (++sent === 2) uploader.setOnline(false)
    })
    uploader.add(fileOf(500))
    await until(() => statusOf(uploader).state === 'paused', clock)
    expect(statusOf(uploader)).toEqual({ state: 'paused', reason: 'offline' })
    const calls = protocol.calls.length
    await clock.advance(120_000)
    expect(protocol.calls.length).toBe(calls) // no probe while the browser says offline
    expect(link.failures).toBe(0)
    uploader.setOnline(true)
    await until(() => statusOf(uploader).state === 'done', clock)
    expect(events).toContain('paused:offline')
    expect(events.at(-1)).toBe('success')
    uploader.destroy()
  })

  it('a blip that cuts every parallel request once is retried, not taken as an outage', async () => {
    const clock = new FakeClock()
    let cut = 0
    const protocol = new FakeProtocol({
      onPart: (call) =>
        queueMicrotask(() => {
          if (call.index < 2 && cut < 2) {
            cut++
            return call.fail(new UploadError('network', 'reset'))
          }
          call.progress(call.end - call.start)
          call.succeed()
        }),
    })
    const { uploader, events } = setup(protocol, clock)
    uploader.add(fileOf(400))
    await until(() => statusOf(uploader).state === 'done', clock)
    expect(events).not.toContain('paused:offline')
    expect(uploader.getSnapshot().uploads[0].retries).toBe(2)
    uploader.destroy()
  })
})

describe('the Vue layer tells the engine what the browser says (useOnline)', () => {
  it('calls setOnline on the offline and online events, only on changes', async () => {
    const engine = createFakeUploader()
    const scope = effectScope(true)
    const up = scope.run(() => useChunkedUpload({ uploader: engine }))!
    expect(up.online.value).toBe(true)
    expect(engine.calls).toEqual([])
    window.dispatchEvent(new Event('offline'))
    await settle()
    window.dispatchEvent(new Event('online'))
    await settle()
    expect(engine.calls).toEqual(['setOnline:false', 'setOnline:true'])
    scope.stop()
    window.dispatchEvent(new Event('offline'))
    await settle()
    expect(engine.calls).toHaveLength(2) // the listener went with the scope
    window.dispatchEvent(new Event('online'))
  })
})
