import { describe, expect, it } from 'vitest'
import { createTuner, fixedTuner, type Tuner } from '../../src/core/scheduling/adaptive-tuner'
import { MiB, UploadError } from '../../src/core'
import { FakeClock } from '../fakes/fake-clock'
import { FakeProtocol, type PartCall } from '../fakes/fake-protocol'
import { scriptedEngine, type ScriptedEngineOptions } from '../fakes/engine'

/**
 * A simulated link for the tuner: `rate(lanes)` bytes per ms in total, shared by the lanes,
 * each part taking `overheadMs` more. Feeds `parts` completions and returns the lanes seen.
 */
function drive(tuner: Tuner, limit: number, rate: (lanes: number) => number, parts = 200) {
  const seen: number[] = []
  let now = 0
  const partBytes = 8 * MiB
  for (let i = 0; i < parts; i++) {
    const lanes = tuner.lanes(limit)
    seen.push(lanes)
    // `lanes` parts in parallel: one completes every partBytes / rate(lanes) ms.
    const ms = partBytes / rate(lanes)
    now += ms
    tuner.record({ ok: true, bytes: partBytes, ms: ms * lanes, at: now })
  }
  return seen
}

describe('createTuner lanes', () => {
  it('starts with 2 lanes and grows to the limit while each lane adds throughput', () => {
    const tuner = createTuner({ initialLanes: 2 })
    expect(tuner.lanes(6)).toBe(2)
    // Per-request latency dominates: every lane adds its own share.
    const seen = drive(tuner, 6, (lanes) => lanes * 10_000)
    expect(seen[0]).toBe(2)
    expect(seen.at(-1)).toBe(6)
    // One lane at a time, never down while it keeps helping.
    for (let i = 1; i < seen.length; i++) expect(seen[i] - seen[i - 1]).toBeGreaterThanOrEqual(0)
    for (let i = 1; i < seen.length; i++) expect(seen[i] - seen[i - 1]).toBeLessThanOrEqual(1)
  })

  it('stops at the level where another lane brings less than 10 %', () => {
    const tuner = createTuner({ probeEvery: 1000, initialLanes: 2 })
    // The link saturates at 3 lanes.
    const seen = drive(tuner, 8, (lanes) => Math.min(lanes, 3) * 10_000)
    expect(Math.max(...seen)).toBe(4) // probed one more,
    expect(seen.at(-1)).toBe(3) // went back to the best.
  })

  it('probes upwards again after holding, so it follows a link that got wider', () => {
    const tuner = createTuner({ probeEvery: 2, initialLanes: 2 })
    let cap = 2
    const rate = (lanes: number) => Math.min(lanes, cap) * 10_000
    const narrow = drive(tuner, 8, rate, 100).slice(-50)
    // Mostly at 2, with short probes at 3 that do not stick.
    expect(Math.max(...narrow)).toBe(3)
    expect(narrow.filter((lanes) => lanes === 2).length).toBeGreaterThan(25)
    cap = 5
    const wide = drive(tuner, 8, rate, 300).slice(-50)
    expect(Math.max(...wide)).toBe(6)
    expect(wide.filter((lanes) => lanes === 5).length).toBeGreaterThanOrEqual(25)
  })

  it('never goes past the limit it is given, nor below 1', () => {
    const tuner = createTuner({ initialLanes: 10 })
    expect(tuner.lanes(3)).toBe(3)
    expect(createTuner({ initialLanes: 0 }).lanes(4)).toBe(1)
    const seen = drive(tuner, 3, (lanes) => lanes * 10_000)
    expect(Math.max(...seen)).toBe(3)
  })

  it('starts at the limit by default', () => {
    expect(createTuner().lanes(6)).toBe(6)
    expect(createTuner().lanes(1)).toBe(1)
  })

  it('halves the lanes on a failure and measures again from there', () => {
    const tuner = createTuner({ initialLanes: 2 })
    drive(tuner, 8, (lanes) => lanes * 10_000)
    expect(tuner.lanes(8)).toBe(8)
    tuner.record({ ok: false, at: 1e9 })
    expect(tuner.lanes(8)).toBe(4)
    tuner.record({ ok: false, at: 1e9 })
    tuner.record({ ok: false, at: 1e9 })
    tuner.record({ ok: false, at: 1e9 })
    expect(tuner.lanes(8)).toBe(1)
  })
})

describe('createTuner part size', () => {
  const S3_MIN = 5 * MiB

  it('uses the preferred size until something was measured', () => {
    expect(createTuner().partSize(8 * MiB, S3_MIN)).toBe(8 * MiB)
    expect(createTuner().partSize(1 * MiB, S3_MIN)).toBe(S3_MIN) // never below the minimum
  })

  it('grows to what one request sends in ~2 s, in whole MiB, at most 8× preferred', () => {
    const tuner = createTuner()
    // 10 MiB/s per request: 20 MiB per 2 s.
    tuner.record({ ok: true, bytes: 8 * MiB, ms: 800, at: 800 })
    expect(tuner.partSize(8 * MiB, S3_MIN)).toBe(20 * MiB)
    const fast = createTuner()
    fast.record({ ok: true, bytes: 8 * MiB, ms: 10, at: 10 })
    expect(fast.partSize(8 * MiB, S3_MIN)).toBe(64 * MiB)
    // A slow link never shrinks it below preferred while nothing fails.
    const slow = createTuner()
    slow.record({ ok: true, bytes: 8 * MiB, ms: 60_000, at: 60_000 })
    expect(slow.partSize(8 * MiB, S3_MIN)).toBe(8 * MiB)
  })

  it('keeps small preferred sizes in whole bytes', () => {
    const tuner = createTuner({ targetRequestMs: 10 })
    tuner.record({ ok: true, bytes: 100, ms: 5, at: 5 })
    const size = tuner.partSize(100, 1)
    expect(Number.isSafeInteger(size)).toBe(true)
    expect(size).toBe(200)
  })

  it('shrinks below preferred after failures (down to the minimum), then recovers', () => {
    const tuner = createTuner()
    tuner.record({ ok: false, at: 0 })
    expect(tuner.partSize(16 * MiB, S3_MIN)).toBe(8 * MiB)
    for (let i = 0; i < 10; i++) tuner.record({ ok: false, at: 0 })
    expect(tuner.partSize(16 * MiB, S3_MIN)).toBe(S3_MIN)
    for (let i = 0; i < 40; i++) tuner.record({ ok: true, bytes: 1, ms: 60_000, at: i })
    expect(tuner.partSize(16 * MiB, S3_MIN)).toBe(16 * MiB)
  })

  it('fixedTuner is the preferred size and the full limit, whatever happens', () => {
    fixedTuner.record({ ok: false, at: 0 })
    expect(fixedTuner.lanes(6)).toBe(6)
    expect(fixedTuner.partSize(8 * MiB, S3_MIN)).toBe(8 * MiB)
  })
})

describe('adaptive uploads (engine with fakes)', () => {
  function setup(
    options: Partial<ScriptedEngineOptions>,
    onPart: (call: PartCall, clock: FakeClock) => void,
  ) {
    const clock = new FakeClock()
    const protocol = new FakeProtocol({ onPart: (call) => onPart(call, clock) })
    const { uploader } = scriptedEngine({
      protocol,
      clock,
      chunkSize: 1000,
      concurrency: 6,
      stream: false,
      hashing: false,
      progressIntervalMs: 0,
      ...options,
    })
    return { clock, protocol, uploader }
  }

  /** Each part takes 100 ms of fake time: the link never saturates, so lanes should grow. */
  function timedParts(clock: FakeClock) {
    return (call: PartCall) =>
      clock.setTimeout(() => {
        call.progress(call.end - call.start)
        call.succeed()
      }, 100)
  }

  async function runToEnd(clock: FakeClock, uploader: ReturnType<typeof setup>['uploader']) {
    let done = false
    uploader.on('upload-success', () => (done = true))
    uploader.on('upload-error', () => (done = true))
    for (let i = 0; i < 2000 && !done; i++) await clock.advance(10)
    expect(done).toBe(true)
  }

  it('starts a file with 2 parts in flight and grows to the concurrency limit', async () => {
    const inFlight: number[] = []
    const ctx = setup({ adaptive: { initialLanes: 2 } }, (call, clock) => {
      inFlight.push(ctx.protocol.inFlight)
      timedParts(clock)(call)
    })
    const { clock } = ctx
    ctx.uploader.add(new Blob([new Uint8Array(60_000)]))
    await runToEnd(clock, ctx.uploader)
    expect(inFlight[0]).toBe(1)
    expect(Math.max(...inFlight.slice(0, 2))).toBe(2)
    expect(ctx.protocol.maxInFlight).toBe(6)
  })

  it('with adaptive: false, sends every part of chunkSize with all lanes from the start', async () => {
    const sizes = new Set<number>()
    const ctx = setup({ adaptive: false }, (call, clock) => {
      sizes.add(call.end - call.start)
      timedParts(clock)(call)
    })
    const { clock } = ctx
    ctx.uploader.add(new Blob([new Uint8Array(20_000)]))
    await clock.advance(1)
    expect(ctx.protocol.inFlight).toBe(6)
    await runToEnd(clock, ctx.uploader)
    expect([...sizes]).toEqual([1000])
  })

  it('fewer lanes after a failed part, the same plan to the end, and a bigger plan for the next file', async () => {
    let failedAt = -1
    const starts: { at: number; inFlight: number; size: number }[] = []
    const ctx = setup(
      { retry: { baseDelayMs: 10, jitter: 0 }, adaptive: { initialLanes: 2 } },
      (call, clock) => {
        starts.push({
          at: clock.now(),
          inFlight: ctx.protocol.inFlight,
          size: call.end - call.start,
        })
        if (failedAt < 0 && call.index === 45) {
          failedAt = clock.now()
          call.fail(new UploadError('network', 'reset'))
          return
        }
        timedParts(clock)(call)
      },
    )
    const { clock } = ctx
    const first = new Promise<void>((resolve) => ctx.uploader.on('upload-success', () => resolve()))
    ctx.uploader.add(new Blob([new Uint8Array(60_000)]))
    await runToEnd(clock, ctx.uploader)
    await first
    const before = starts.filter((s) => s.at < failedAt).map((s) => s.inFlight)
    const after = starts.filter((s) => s.at > failedAt + 150).map((s) => s.inFlight)
    expect(Math.max(...before)).toBe(6)
    expect(Math.min(...after)).toBeLessThanOrEqual(3)
    // The upload kept its plan: 1000-byte parts throughout, the retry included.
    expect(new Set(starts.map((s) => s.size))).toEqual(new Set([1000]))

    // Measured: 1000 bytes per 100 ms per request, so ~2 s is 20,000 bytes, capped at 8×.
    starts.length = 0
    ctx.uploader.add(new Blob([new Uint8Array(12_000)], { type: 'x/second' }))
    await runToEnd(clock, ctx.uploader)
    expect(starts.map((s) => s.size)).toEqual([8000, 4000])
  })
})
