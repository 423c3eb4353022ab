import { describe, expect, it } from 'vitest'
import { createScheduler, UploadError } from '../../src/core'
import { FakeClock, settle } from '../fakes/fake-clock'

function deferred<T = void>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const never = new AbortController().signal

describe('scheduler', () => {
  it('never exceeds the global limit and refills a freed slot at once', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({ concurrency: 3, clock })
    const gates = Array.from({ length: 8 }, () => deferred())
    let running = 0
    let peak = 0
    const started: number[] = []
    const tasks = gates.map((gate, i) =>
      scheduler.run({
        owner: `f${i % 2}`,
        signal: never,
        run: async () => {
          running++
          peak = Math.max(peak, running)
          started.push(i)
          await gate.promise
          running--
        },
      }),
    )
    await settle()
    expect(started).toHaveLength(3)
    gates[started[0]].resolve()
    await settle()
    expect(started).toHaveLength(4)
    expect(scheduler.active).toBe(3)
    for (const gate of gates) gate.resolve()
    await Promise.all(tasks)
    expect(peak).toBe(3)
    expect(scheduler.active).toBe(0)
  })

  it('serves owners round-robin so one big file cannot starve another', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({ concurrency: 1, clock })
    const order: string[] = []
    const run = (owner: string) =>
      scheduler.run({ owner, signal: never, run: async () => void order.push(owner) })
    const all = [run('big'), run('big'), run('big'), run('big'), run('small'), run('small')]
    await Promise.all(all)
    expect(order).toEqual(['big', 'small', 'big', 'small', 'big', 'big'])
  })

  it('runs higher priority first', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({ concurrency: 1, clock })
    const order: string[] = []
    const gate = deferred()
    const first = scheduler.run({ owner: 'a', signal: never, run: () => gate.promise })
    const low = scheduler.run({
      owner: 'a',
      signal: never,
      run: async () => void order.push('part'),
    })
    const high = scheduler.run({
      owner: 'b',
      priority: 1,
      signal: never,
      run: async () => void order.push('control'),
    })
    gate.resolve()
    await Promise.all([first, low, high])
    expect(order).toEqual(['control', 'part'])
  })

  it('drops a queued task when its signal aborts, without running it', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({ concurrency: 1, clock })
    const gate = deferred()
    const busy = scheduler.run({ owner: 'a', signal: never, run: () => gate.promise })
    const controller = new AbortController()
    let ran = false
    const queued = scheduler.run({
      owner: 'b',
      signal: controller.signal,
      run: async () => void (ran = true),
    })
    controller.abort(new UploadError('aborted', 'paused'))
    await expect(queued).rejects.toMatchObject({ code: 'aborted' })
    expect(scheduler.waiting).toBe(0)
    gate.resolve()
    await busy
    expect(ran).toBe(false)
  })

  it('retries a retryable failure after backoff without holding a slot', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({
      concurrency: 1,
      clock,
      random: () => 0,
      retry: {
        maxAttempts: 3,
        baseDelayMs: 1000,
        maxDelayMs: 10_000,
        jitter: 0.5,
        maxRetryAfterMs: 60_000,
      },
    })
    const attempts: number[] = []
    const retries: number[] = []
    const task = scheduler.run({
      owner: 'a',
      signal: never,
      onRetry: ({ delayMs }) => retries.push(delayMs),
      run: async (_signal, attempt) => {
        attempts.push(attempt)
        if (attempt < 3) throw new UploadError('network', 'reset')
        return 'ok'
      },
    })
    const other = scheduler.run({ owner: 'b', signal: never, run: async () => 'b' })
    await settle()
    expect(attempts).toEqual([1])
    await expect(other).resolves.toBe('b') // ran while `a` waited out its backoff
    await clock.advance(999)
    expect(attempts).toEqual([1])
    await clock.advance(1)
    expect(attempts).toEqual([1, 2])
    await clock.advance(2000)
    await expect(task).resolves.toBe('ok')
    expect(retries).toEqual([1000, 2000])
  })

  it('fails at once on a permanent error, and after maxAttempts on transient ones', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({
      concurrency: 2,
      clock,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10, jitter: 0, maxRetryAfterMs: 10 },
    })
    let permanentAttempts = 0
    const permanent = scheduler.run({
      owner: 'a',
      signal: never,
      run: async () => {
        permanentAttempts++
        throw new UploadError('rejected', 'forbidden', { status: 403 })
      },
    })
    await expect(permanent).rejects.toMatchObject({ code: 'rejected' })
    expect(permanentAttempts).toBe(1)
    let transientAttempts = 0
    const transient = scheduler.run({
      owner: 'a',
      signal: never,
      run: async () => {
        transientAttempts++
        throw new UploadError('server', 'busy', { status: 503 })
      },
    })
    const outcome = transient.catch((e: unknown) => e)
    await clock.advance(10)
    expect(await outcome).toMatchObject({ code: 'server' })
    expect(transientAttempts).toBe(2)
  })

  it('honours Retry-After and holds every new start after a 429', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({ concurrency: 2, clock })
    let attempts = 0
    const limited = scheduler.run({
      owner: 'a',
      signal: never,
      run: async () => {
        if (++attempts === 1)
          throw new UploadError('server', 'slow down', { status: 429, retryAfterMs: 5000 })
        return 'a'
      },
    })
    await settle()
    let otherStarted = false
    const other = scheduler.run({
      owner: 'b',
      signal: never,
      run: async () => void (otherStarted = true),
    })
    await clock.advance(4999)
    expect(otherStarted).toBe(false)
    expect(attempts).toBe(1)
    await clock.advance(1)
    await Promise.all([limited, other])
    expect(otherStarted).toBe(true)
    expect(attempts).toBe(2)
  })

  it('cancels a backoff wait when the signal aborts', async () => {
    const clock = new FakeClock()
    const scheduler = createScheduler({ concurrency: 1, clock })
    const controller = new AbortController()
    const task = scheduler.run({
      owner: 'a',
      signal: controller.signal,
      run: async () => {
        throw new UploadError('network', 'reset')
      },
    })
    await settle()
    expect(clock.pending).toBe(1)
    controller.abort(new UploadError('aborted', 'cancel'))
    await expect(task).rejects.toMatchObject({ code: 'aborted' })
    expect(clock.pending).toBe(0)
  })
})
