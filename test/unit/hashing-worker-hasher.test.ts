import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { UploadError } from '../../src/core/errors'
import { handleMessage, type WorkerJobs } from '../../src/hashing/md5.worker'
import type { WorkerRequest, WorkerResponse } from '../../src/hashing/worker-protocol'
import { createWorkerHasher } from '../../src/hashing/worker-hasher'
import { createHasher } from '../../src/hashing'
import { createInlineHasher } from '../../src/hashing/inline-hasher'
import { yieldToEventLoop } from '../../src/hashing/yield-to-event-loop'

/** An in-process stand-in for the hashing Worker: runs the real handler, on later tasks. */
class FakeHashWorker {
  onmessage: ((event: MessageEvent<WorkerResponse>) => void) | null = null
  onerror: ((event: Event) => void) | null = null
  onmessageerror: ((event: Event) => void) | null = null
  terminated = false
  readonly received: WorkerRequest[] = []
  private readonly jobs: WorkerJobs = new Map()

  postMessage(request: WorkerRequest): void {
    if (this.terminated) return
    this.received.push(request)
    // Like a real worker: the message is handled on a later task, not synchronously.
    setTimeout(() => {
      if (this.terminated) return
      void handleMessage(request, (response) => this.deliver(response), this.jobs)
    }, 0)
  }

  /** Simulates a worker whose script failed to load. */
  fail(): void {
    setTimeout(() => this.onerror?.(new Event('error')), 0)
  }

  terminate(): void {
    this.terminated = true
    for (const controller of this.jobs.values()) controller.abort()
  }

  private deliver(response: WorkerResponse): void {
    if (this.terminated) return
    this.onmessage?.({ data: response } as MessageEvent<WorkerResponse>)
  }
}

const asWorker = (fake: FakeHashWorker) => fake as unknown as Worker

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')
const filled = (size: number, seed = 3) =>
  Uint8Array.from({ length: size }, (_, i) => (i * seed + 11) & 0xff)
const signal = () => new AbortController().signal

afterEach(() => {
  vi.useRealTimers()
})

function fakeFactory() {
  const workers: FakeHashWorker[] = []
  const createWorker = vi.fn(() => {
    const worker = new FakeHashWorker()
    workers.push(worker)
    return asWorker(worker)
  })
  return { workers, createWorker }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('createWorkerHasher', () => {
  it('creates the worker lazily, on the first job, and hashes in it', async () => {
    const { workers, createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker, sliceSize: 1000 })
    expect(createWorker).not.toHaveBeenCalled()

    const data = filled(4321)
    const seen: number[] = []
    await expect(
      hasher.md5(new Blob([data]), { signal: signal(), onProgress: (n) => seen.push(n) }),
    ).resolves.toBe(md5(data))
    expect(createWorker).toHaveBeenCalledTimes(1)
    expect(workers[0].received[0]).toMatchObject({ type: 'md5', id: 1, sliceSize: 1000 })
    expect(seen).toEqual([1000, 2000, 3000, 4000, 4321])
    hasher.dispose()
  })

  it('runs concurrent md5 and sample jobs in one worker, each with its own result', async () => {
    const { createWorker } = fakeFactory()
    const hasher = createWorkerHasher({
      createWorker,
      sliceSize: 512,
      sampleSize: 256,
      workers: 1,
      sampleInWorker: true,
    })
    const inputs = [filled(3000, 3), filled(5000, 5), filled(700, 7)]
    const results = await Promise.all([
      ...inputs.map((data) => hasher.md5(new Blob([data]), { signal: signal() })),
      hasher.sample(new Blob([inputs[2]]), { signal: signal() }),
    ])
    expect(results).toEqual([...inputs.map(md5), md5(inputs[2])])
    expect(createWorker).toHaveBeenCalledTimes(1)
    hasher.dispose()
  })

  it('on abort rejects at once with the signal reason and tells the worker to cancel', async () => {
    const { workers, createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker, sliceSize: 1000 })
    const controller = new AbortController()
    const reason = new UploadError('aborted', 'paused by the user', { retryable: false })
    const job = hasher.md5(new Blob([filled(200_000)]), {
      signal: controller.signal,
      onProgress: (n) => n >= 3000 && controller.abort(reason),
    })
    await expect(job).rejects.toBe(reason)
    expect(workers[0].received.at(-1)).toEqual({ type: 'cancel', id: 1 })

    // The worker stays usable for later jobs.
    const data = filled(2000)
    await expect(hasher.md5(new Blob([data]), { signal: signal() })).resolves.toBe(md5(data))
    expect(createWorker).toHaveBeenCalledTimes(1)
    hasher.dispose()
  })

  it('rejects an already aborted job without starting a worker', async () => {
    const { createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker })
    const controller = new AbortController()
    controller.abort({ kind: 'cancel' })
    await expect(hasher.md5(new Blob(['x']), { signal: controller.signal })).rejects.toMatchObject({
      code: 'aborted',
      cause: { kind: 'cancel' },
    })
    expect(createWorker).not.toHaveBeenCalled()
  })

  it('passes the code of a failed job through', async () => {
    const { createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker })
    const gone = () => Promise.reject(new Error('gone'))
    const broken = {
      size: 4,
      arrayBuffer: gone,
      slice: () => ({ arrayBuffer: gone }),
    } as unknown as Blob
    // The fake worker reads the fake blob in-process; a real one would get a structured clone.
    await expect(hasher.md5(broken, { signal: signal() })).rejects.toMatchObject({
      code: 'file-unreadable',
    })
    hasher.dispose()
  })

  it('falls back to the inline hasher when the worker cannot be constructed, and does not retry it', async () => {
    const createWorker = vi.fn((): Worker => {
      throw new DOMException('Refused by Content-Security-Policy', 'SecurityError')
    })
    const onFallback = vi.fn()
    const hasher = createWorkerHasher({ createWorker, onFallback })
    const a = filled(3000)
    const b = filled(100)
    const seen: number[] = []
    await expect(
      hasher.md5(new Blob([a]), { signal: signal(), onProgress: (n) => seen.push(n) }),
    ).resolves.toBe(md5(a))
    await expect(hasher.sample(new Blob([b]), { signal: signal() })).resolves.toBe(md5(b))
    expect(seen.at(-1)).toBe(3000)
    expect(createWorker).toHaveBeenCalledTimes(1)
    // Reported once, with the browser's refusal as the cause.
    expect(onFallback).toHaveBeenCalledTimes(1)
    expect(onFallback.mock.calls[0][0]).toMatchObject({
      code: 'worker-unavailable',
      retryable: false,
    })
    expect((onFallback.mock.calls[0][0] as Error).cause).toMatchObject({ name: 'SecurityError' })
  })

  it('moves the jobs of a worker that fails to load to the inline hasher', async () => {
    const failing = new FakeHashWorker()
    failing.postMessage = function (this: FakeHashWorker, request: WorkerRequest) {
      this.received.push(request)
      this.fail()
    }
    const createWorker = vi.fn(() => asWorker(failing))
    const hasher = createWorkerHasher({ createWorker, workers: 1, sampleInWorker: true })
    const data = filled(5000)
    const other = filled(10)
    const results = await Promise.all([
      hasher.md5(new Blob([data]), { signal: signal() }),
      hasher.sample(new Blob([other]), { signal: signal() }),
    ])
    expect(results).toEqual([md5(data), md5(other)])
    expect(failing.terminated).toBe(true)
    await expect(hasher.md5(new Blob([other]), { signal: signal() })).resolves.toBe(md5(other))
    expect(createWorker).toHaveBeenCalledTimes(1)
    expect(failing.received).toHaveLength(2)
  })

  it("tells the uploader of the first job that ran inline, once, through the job's onWarning", async () => {
    const createWorker = vi.fn((): Worker => {
      throw new DOMException('Refused by Content-Security-Policy', 'SecurityError')
    })
    const hasher = createWorkerHasher({ createWorker })
    const onWarning = vi.fn()
    const data = filled(300)
    await hasher.md5(new Blob([data]), { signal: signal(), onWarning })
    await hasher.md5(new Blob([data]), { signal: signal(), onWarning })
    expect(onWarning).toHaveBeenCalledTimes(1)
    expect(onWarning.mock.calls[0][0]).toMatchObject({
      code: 'worker-unavailable',
      retryable: false,
    })
  })

  it('tells the uploader once where there is no Worker at all', async () => {
    vi.stubGlobal('Worker', undefined)
    const hasher = createHasher()
    const onWarning = vi.fn()
    const data = filled(300)
    await hasher.sample(new Blob([data]), { signal: signal(), onWarning })
    await hasher.md5(new Blob([data]), { signal: signal(), onWarning })
    expect(onWarning).toHaveBeenCalledTimes(1)
    expect(onWarning.mock.calls[0][0]).toMatchObject({ code: 'worker-unavailable' })
  })

  it('uses the given fallback and keeps progress monotonic when a job restarts inline', async () => {
    const failing = new FakeHashWorker()
    // Reports some progress, then dies: the inline re-run starts again from byte 0.
    failing.postMessage = function (this: FakeHashWorker, request: WorkerRequest) {
      setTimeout(() => {
        this.onmessage?.({
          data: { type: 'progress', id: request.id, bytes: 2000 },
        } as MessageEvent<WorkerResponse>)
        this.fail()
      }, 0)
    }
    const fallback = vi.fn(() => createInlineHasher({ sliceSize: 1000 }))
    const hasher = createWorkerHasher({ createWorker: () => asWorker(failing), fallback })
    const data = filled(4500)
    const seen: number[] = []
    await expect(
      hasher.md5(new Blob([data]), { signal: signal(), onProgress: (n) => seen.push(n) }),
    ).resolves.toBe(md5(data))
    expect(fallback).toHaveBeenCalledTimes(1)
    expect(seen).toEqual([2000, 3000, 4000, 4500])
  })

  it('terminates the worker after the idle period and starts a new one for later work', async () => {
    const { workers, createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker, idleMs: 40 })
    await hasher.md5(new Blob([filled(100)]), { signal: signal() })
    expect(workers[0].terminated).toBe(false)

    // New work inside the idle period cancels the shutdown.
    await sleep(20)
    await hasher.md5(new Blob([filled(100)]), { signal: signal() })
    await sleep(25)
    expect(workers[0].terminated).toBe(false)

    await sleep(60)
    expect(workers[0].terminated).toBe(true)
    await hasher.md5(new Blob([filled(100)]), { signal: signal() })
    expect(createWorker).toHaveBeenCalledTimes(2)
    expect(workers[1].received).toHaveLength(1)
    hasher.dispose()
    expect(workers[1].terminated).toBe(true)
  })

  it('never terminates a worker that still has a job', async () => {
    const worker = new FakeHashWorker()
    const post = worker.postMessage.bind(worker)
    // md5 jobs are held until the test releases them (no timing: a loaded machine cannot make
    // the answer come before the check); the sample job is answered at once.
    const held: Parameters<typeof post>[0][] = []
    worker.postMessage = (request) =>
      void (request.type === 'md5' ? held.push(request) : post(request))
    const hasher = createWorkerHasher({
      createWorker: () => asWorker(worker),
      idleMs: 1,
      sampleInWorker: true,
    })
    const data = filled(100)
    const slow = hasher.md5(new Blob([data]), { signal: signal() })
    await hasher.sample(new Blob([filled(10)]), { signal: signal() })
    // Well past idleMs after the sample finished: the md5 job still runs, so no terminate.
    await sleep(10)
    expect(worker.terminated).toBe(false)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    held.splice(0).forEach((request) => post(request))
    await expect(slow).resolves.toBe(md5(data))
    await sleep(10)
    expect(worker.terminated).toBe(true)
  })

  it('dispose terminates the worker, rejects running jobs and removes their abort listeners', async () => {
    const silent = new FakeHashWorker()
    // A worker that never answers, so the job is surely still running at dispose().
    silent.postMessage = (request) => void silent.received.push(request)
    const hasher = createWorkerHasher({ createWorker: () => asWorker(silent) })
    const controller = new AbortController()
    const removed = vi.spyOn(controller.signal, 'removeEventListener')
    const job = hasher.md5(new Blob([filled(500)]), { signal: controller.signal })
    await sleep(0)
    hasher.dispose()
    await expect(job).rejects.toMatchObject({ code: 'aborted', message: 'The hasher was disposed' })
    expect(silent.terminated).toBe(true)
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function))
  })
})

describe('createWorkerHasher sample', () => {
  it('samples on the main thread by default, in short tasks, without starting a worker', async () => {
    const { createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker, sampleSize: 100 })
    const data = filled(1000)
    const seen: number[] = []
    const hex = await hasher.sample(new Blob([data]), {
      signal: signal(),
      onProgress: (n) => seen.push(n),
    })
    const middle = Math.floor((1000 - 100) / 2)
    const expected = createHash('md5')
      .update(data.subarray(0, 100))
      .update(data.subarray(middle, middle + 100))
      .update(data.subarray(900))
      .update('1000')
      .digest('hex')
    expect(hex).toBe(expected)
    expect(seen).toEqual([100, 200, 300])
    expect(createWorker).not.toHaveBeenCalled()
    hasher.dispose()
  })
})

describe('createWorkerHasher pool', () => {
  it('a job aborted or disposed before its worker started never starts one', async () => {
    const { createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker, workers: 2 })
    const controller = new AbortController()
    const aborted = hasher.md5(new Blob([filled(10)]), { signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' })
    const disposed = hasher.md5(new Blob([filled(10)]), { signal: signal() })
    hasher.dispose()
    await expect(disposed).rejects.toMatchObject({ code: 'aborted' })
    await sleep(5)
    expect(createWorker).not.toHaveBeenCalled()
  })

  it('runs two jobs on two workers at once, and reuses an idle worker', async () => {
    const { workers, createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker, workers: 2 })
    const a = filled(3000, 3)
    const b = filled(5000, 5)
    const both = Promise.all([
      hasher.md5(new Blob([a]), { signal: signal() }),
      hasher.md5(new Blob([b]), { signal: signal() }),
    ])
    // Never in the caller's task: each worker starts in a task of its own.
    expect(createWorker).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(createWorker).toHaveBeenCalledTimes(2))
    expect(workers[0].received).toHaveLength(1)
    expect(workers[1].received).toHaveLength(1)
    await expect(both).resolves.toEqual([md5(a), md5(b)])
    // Both idle again: a third job starts no third worker; a full pool doubles up.
    await Promise.all([1, 2, 3].map(() => hasher.md5(new Blob([a]), { signal: signal() })))
    expect(createWorker).toHaveBeenCalledTimes(2)
    expect(workers[0].received.length + workers[1].received.length).toBe(5)
    hasher.dispose()
  })

  it('defaults to at most two workers', async () => {
    const { createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker })
    await Promise.all(
      [1, 2, 3, 4].map(() => hasher.md5(new Blob([filled(100)]), { signal: signal() })),
    )
    expect(createWorker.mock.calls.length).toBeLessThanOrEqual(2)
    hasher.dispose()
  })

  it('starts no second worker for a sample job', async () => {
    const { createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker, workers: 2, sampleInWorker: true })
    const data = filled(3000)
    await Promise.all([
      hasher.md5(new Blob([data]), { signal: signal() }),
      hasher.sample(new Blob([data]), { signal: signal() }),
    ])
    expect(createWorker).toHaveBeenCalledTimes(1)
    hasher.dispose()
  })

  it('dispose terminates every worker and rejects their jobs', async () => {
    const { workers, createWorker } = fakeFactory()
    const silence = (worker: FakeHashWorker) =>
      (worker.postMessage = (request) => void worker.received.push(request))
    const hasher = createWorkerHasher({
      createWorker: () => {
        const worker = createWorker()
        silence(worker as unknown as FakeHashWorker)
        return worker
      },
      workers: 2,
    })
    const jobs = [1, 2].map(() => hasher.md5(new Blob([filled(500)]), { signal: signal() }))
    await sleep(0)
    hasher.dispose()
    for (const job of jobs) await expect(job).rejects.toMatchObject({ code: 'aborted' })
    expect(workers).toHaveLength(2)
    expect(workers.every((worker) => worker.terminated)).toBe(true)
  })

  it("completes a crashed worker's jobs inline while the other worker finishes its own", async () => {
    const { workers, createWorker } = fakeFactory()
    const hasher = createWorkerHasher({
      createWorker: () => {
        const worker = createWorker()
        // The first worker takes its job and dies before it answers.
        if (workers.length === 1) worker.postMessage = () => workers[0].fail()
        return worker
      },
      workers: 2,
    })
    const a = filled(4000, 3)
    const b = filled(6000, 5)
    const jobs = [
      hasher.md5(new Blob([a]), { signal: signal() }),
      hasher.md5(new Blob([b]), { signal: signal() }),
    ]
    await expect(Promise.all(jobs)).resolves.toEqual([md5(a), md5(b)])
    expect(workers[0].terminated).toBe(true)
    // Later jobs run inline: no new worker.
    await expect(hasher.md5(new Blob([a]), { signal: signal() })).resolves.toBe(md5(a))
    expect(createWorker).toHaveBeenCalledTimes(2)
    expect(workers[1].received).toHaveLength(1)
    hasher.dispose()
    expect(workers[1].terminated).toBe(true)
  })

  it('cancels an aborted job in the worker that holds it', async () => {
    const { workers, createWorker } = fakeFactory()
    const hasher = createWorkerHasher({ createWorker, workers: 2 })
    const controller = new AbortController()
    const first = hasher.md5(new Blob([filled(3000)]), { signal: signal() })
    const second = hasher.md5(new Blob([filled(3000)]), { signal: controller.signal })
    // Right after its worker started (a task of its own), before the worker answers.
    while (workers.length < 2) await yieldToEventLoop()
    controller.abort()
    await expect(second).rejects.toMatchObject({ code: 'aborted' })
    expect(workers[1].received.at(-1)).toMatchObject({ type: 'cancel', id: 2 })
    expect(workers[0].received.some((r) => r.type === 'cancel')).toBe(false)
    await first
    hasher.dispose()
  })

  it('never reads navigator at import', async () => {
    vi.stubGlobal('navigator', undefined)
    const module = await import('../../src/hashing/worker-hasher')
    expect(module.defaultWorkerCount()).toBe(2)
    vi.stubGlobal('navigator', { hardwareConcurrency: 1 })
    expect(module.defaultWorkerCount()).toBe(1)
    vi.unstubAllGlobals()
  })
})

describe('createHasher', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('hashes on the main thread where there is no Worker', async () => {
    vi.stubGlobal('Worker', undefined)
    const data = filled(3000)
    const hasher = createHasher({ inline: { sliceSize: 1000 } })
    await expect(hasher.md5(new Blob([data]), { signal: signal() })).resolves.toBe(md5(data))
  })

  it('reports the fallback once, as a worker-unavailable error, when Worker is unavailable', async () => {
    vi.stubGlobal('Worker', undefined)
    const onFallback = vi.fn()
    const data = filled(3000)
    const hasher = createHasher({ onFallback })
    expect(onFallback).not.toHaveBeenCalled() // nothing at creation: told on the first job
    await expect(hasher.md5(new Blob([data]), { signal: signal() })).resolves.toBe(md5(data))
    await expect(hasher.sample(new Blob([data]), { signal: signal() })).resolves.toBe(md5(data))
    expect(onFallback).toHaveBeenCalledTimes(1)
    expect(onFallback.mock.calls[0][0]).toMatchObject({
      code: 'worker-unavailable',
      retryable: false,
    })
  })

  it('uses the bundled module worker where Worker exists', async () => {
    const constructed: unknown[][] = []
    vi.stubGlobal(
      'Worker',
      class extends FakeHashWorker {
        constructor(...args: unknown[]) {
          super()
          constructed.push(args)
        }
      },
    )
    const data = filled(3000)
    const hasher = createHasher()
    expect(constructed).toHaveLength(0)
    await expect(hasher.md5(new Blob([data]), { signal: signal() })).resolves.toBe(md5(data))
    expect(constructed).toHaveLength(1)
    const [url, options] = constructed[0] as [URL, WorkerOptions]
    expect(String(url)).toMatch(/\/md5\.worker\.ts\b/)
    expect(options).toEqual({ type: 'module' })
    hasher.dispose()
  })
})
