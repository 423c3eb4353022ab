/**
 * Hashes in Web Workers so the page never stalls: a small pool (two by default), each
 * worker created when a job needs it, shared by concurrent jobs, and all terminated when
 * idle or disposed. If a worker cannot start (CSP, a 404 on its asset, no module workers)
 * or crashes, its jobs and every later one fall back to the inline hasher.
 */
import { UploadError, abortError } from '../core/errors'
import type { UploadErrorCode } from '../core/errors'
import type { HashOptions } from '../core/types'
import type { DisposableHasher } from './disposable-hasher'
import { createInlineHasher } from './inline-hasher'
import { resolveMd5Engines, type Md5Engine } from './md5-engine'
import { DEFAULT_SLICE_SIZE, sampleMd5 } from './md5-stream'
import { yieldToEventLoop } from './yield-to-event-loop'
import type { WorkerRequest, WorkerResponse } from './worker-protocol'

/** Bundlers replace `process.env.NODE_ENV`; declared here so the library needs no Node types. */
declare const process: { readonly env: Readonly<Record<string, string | undefined>> }

/** Default idle period before the workers are terminated: 10 s. */
export const DEFAULT_WORKER_IDLE_MS = 10_000

export interface WorkerHasherOptions {
  /** Starts one worker. Default: `workerUrl`, else the bundled `md5.worker.js`, as a module worker. */
  readonly createWorker?: () => Worker
  /**
   * Where to load the worker from (CDN, custom hosting): the package's self-contained
   * `dist/md5.worker.js`. A cross-origin URL is started through a same-origin `blob:`
   * module that imports it, so its host must send CORS headers. Ignored with `createWorker`.
   * @default the worker your bundler emits for `new URL('./md5.worker.js', import.meta.url)`
   */
  readonly workerUrl?: string | URL
  /** Bytes per slice in the worker. Default {@link DEFAULT_SLICE_SIZE} (4 MiB). */
  readonly sliceSize?: number
  /** Bytes per sample for `sample()`; default 256 KiB (see `sampleMd5`). */
  readonly sampleSize?: number
  /**
   * How many workers may hash at once (part MD5s of concurrent uploads spread over them).
   * Default {@link defaultWorkerCount}: `Math.min(2, navigator.hardwareConcurrency || 2)`.
   */
  readonly workers?: number
  /** Idle time after the last job before the workers are terminated. Default {@link DEFAULT_WORKER_IDLE_MS}. */
  readonly idleMs?: number
  /**
   * Used when the worker cannot run. Default: `createInlineHasher({ md5 })` (spark-md5 when
   * `md5` is not given), created when first needed.
   */
  readonly fallback?: () => DisposableHasher
  /**
   * Told once, with an `unsupported` UploadError whose cause is the browser's error, when
   * workers cannot run here (Content-Security-Policy, a failed load, a crash) and hashing
   * moved to the main thread. Uploads go on; this is for the app's logs or a notice.
   */
  readonly onFallback?: (error: UploadError) => void
  /** The MD5 implementation in the worker (see `HasherOptions.md5`). @default 'wasm' */
  readonly md5?: Md5Engine
  /**
   * Where `sample()` runs. By default on the main thread, in short tasks (64 KiB each, a
   * few ms): the first byte then never waits for a worker to start.
   * `true` sends it to the worker like full hashes. @default false
   */
  readonly sampleInWorker?: boolean
}

type JobKind = 'md5' | 'sample'

interface Job {
  readonly kind: JobKind
  readonly blob: Blob
  readonly options: HashOptions
  readonly resolve: (hex: string) => void
  readonly reject: (error: UploadError) => void
}

/**
 * Written out literally so bundlers (Vite, webpack 5, Parcel) recognize it and emit the worker
 * as its own file. The published build keeps this exact form, pointing at the self-contained
 * `md5.worker.js` (see vite.config.ts).
 */
function createBundledWorker(): Worker {
  return new Worker(new URL('./md5.worker.ts', import.meta.url), { type: 'module' })
}

/**
 * A worker started from `url`. Browsers refuse a cross-origin worker script, but a module
 * may import one (with CORS): `moduleImporting` gives the same-origin blob: URL of such a module.
 */
function workerFrom(url: string | URL, moduleImporting: (href: string) => string): Worker {
  const href = new URL(url, globalThis.location?.href).href
  const sameOrigin = typeof location === 'undefined' || new URL(href).origin === location.origin
  return new Worker(sameOrigin ? href : moduleImporting(href), { type: 'module' })
}

/**
 * A console warning in development builds, where bundlers replace `process.env.NODE_ENV`
 * (as they do for Vue's own warnings); unbundled, `process` is missing and nothing is logged.
 */
function warnInDevelopment(message: string): void {
  try {
    if (process.env.NODE_ENV !== 'production') console.warn(`[vue-chunked-upload] ${message}`)
  } catch {
    // No `process`: an unbundled page, where there is no development mode to speak of.
  }
}

/** The default pool size: two workers, or one on a single-core device. Read when first needed. */
export function defaultWorkerCount(): number {
  const cores = typeof navigator === 'undefined' ? undefined : navigator.hardwareConcurrency
  return Math.min(2, cores || 2)
}

/** One worker of the pool and the ids of the jobs it holds. */
interface Slot {
  readonly worker: Worker
  readonly jobs: Set<number>
}

/**
 * A {@link DisposableHasher} backed by a small pool of lazily created Web Workers: a job goes
 * to an idle worker, else an md5 job starts a new one while the pool is below `workers`,
 * else the least busy worker takes it (each worker runs several jobs, interleaved by slice).
 */
export function createWorkerHasher(options: WorkerHasherOptions = {}): DisposableHasher {
  /** The blob: module every worker of a cross-origin `workerUrl` starts from; revoked on dispose. */
  let blobUrl: string | undefined
  const moduleImporting = (href: string) =>
    (blobUrl ??= URL.createObjectURL(
      new Blob([`import ${JSON.stringify(href)}`], { type: 'text/javascript' }),
    ))
  const {
    createWorker = options.workerUrl === undefined
      ? createBundledWorker
      : () => workerFrom(options.workerUrl!, moduleImporting),
    sliceSize = DEFAULT_SLICE_SIZE,
    sampleSize,
    idleMs = DEFAULT_WORKER_IDLE_MS,
    fallback: createFallback = () =>
      createInlineHasher({ md5: resolveMd5Engines(options.md5).inline }),
  } = options
  const engine = resolveMd5Engines(options.md5).worker

  const slots: Slot[] = []
  /** Resolved on the first job, so `navigator` is never read at import. */
  let poolSize: number | undefined
  /** Set once a worker failed to start or crashed: every later job runs inline. */
  let workerUnusable = false
  let fallback: DisposableHasher | undefined
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  let nextId = 1
  /** Counts `dispose()` calls, so a job waiting to start a worker knows it was disposed. */
  let disposals = 0
  const jobs = new Map<number, Job & { slot: Slot }>()
  /** A fallback of the engine is told once per hasher, not once per job. */
  let warned = false

  /** Why hashing moved to the main thread, once it did; told to the next job's uploader. */
  let fallbackNotice: UploadError | undefined
  let noticeTold = false

  function markUnusable(cause: unknown): void {
    if (workerUnusable) return
    workerUnusable = true
    fallbackNotice = new UploadError(
      'worker-unavailable',
      'Web Workers cannot run here; hashing on the main thread',
      { retryable: false, cause },
    )
    options.onFallback?.(fallbackNotice)
    warnInDevelopment(
      'the hashing worker could not start, so files are hashed on the main thread ' +
        "(see the `workerUrl` option and the uploader's `warning` event).",
    )
  }

  function inline(): DisposableHasher {
    fallback ??= createFallback()
    return fallback
  }

  function clearIdleTimer(): void {
    if (idleTimer !== undefined) clearTimeout(idleTimer)
    idleTimer = undefined
  }

  function scheduleIdleShutdown(): void {
    clearIdleTimer()
    if (slots.length === 0 || jobs.size > 0) return
    idleTimer = setTimeout(() => {
      idleTimer = undefined
      if (jobs.size === 0) terminateAll()
    }, idleMs)
  }

  function terminate(slot: Slot): void {
    const index = slots.indexOf(slot)
    if (index >= 0) slots.splice(index, 1)
    slot.worker.onmessage = null
    slot.worker.onerror = null
    slot.worker.onmessageerror = null
    slot.worker.terminate()
  }

  function terminateAll(): void {
    for (const slot of [...slots]) terminate(slot)
  }

  function startSlot(): Slot | undefined {
    let worker: Worker
    try {
      worker = createWorker()
    } catch (error) {
      // None started: workers cannot run here. Some already running: the pool stays this size.
      if (slots.length === 0) markUnusable(error)
      else poolSize = slots.length
      return undefined
    }
    const slot: Slot = { worker, jobs: new Set() }
    worker.onmessage = (event: MessageEvent<WorkerResponse>) => onResponse(event.data)
    // An error event means the worker itself failed (its script did not load, CSP, a crash):
    // its jobs are re-run inline rather than failing the upload.
    worker.onerror = (event: Event) => {
      event.preventDefault()
      abandon(slot, event)
    }
    worker.onmessageerror = (event: MessageEvent) => abandon(slot, event)
    slots.push(slot)
    return slot
  }

  /**
   * The worker for the next job, started if needed; undefined when workers cannot be used.
   * A `sample` job (a few small reads) never starts a second worker: it shares a busy one.
   */
  function pickSlot(kind: JobKind): Slot | undefined {
    if (workerUnusable) return undefined
    poolSize ??= Math.max(1, Math.floor(options.workers ?? defaultWorkerCount()))
    const idle = slots.find((slot) => slot.jobs.size === 0)
    if (idle !== undefined) return idle
    if (slots.length < poolSize && (kind === 'md5' || slots.length === 0)) {
      const started = startSlot()
      if (started !== undefined || slots.length === 0) return started
    }
    return slots.reduce((best, slot) => (slot.jobs.size < best.jobs.size ? slot : best))
  }

  /**
   * A failed worker: its jobs run inline, and so does every later job (a script that did
   * not load in one worker will not load in the next). Other workers finish what they hold.
   */
  function abandon(slot: Slot, cause: unknown): void {
    markUnusable(cause)
    terminate(slot)
    const stranded = [...slot.jobs]
    slot.jobs.clear()
    for (const id of stranded) {
      const job = jobs.get(id)
      jobs.delete(id)
      if (job !== undefined) runInline(job)
    }
    scheduleIdleShutdown()
  }

  function runInline(job: Job): void {
    // The uploader hears of the fallback once (its `warning` event), like a WASM fallback.
    if (fallbackNotice && !noticeTold) {
      noticeTold = true
      job.options.onWarning?.(fallbackNotice)
    }
    inline()
      [job.kind](job.blob, job.options)
      .then(job.resolve, (error: unknown) =>
        job.reject(
          error instanceof UploadError
            ? error
            : new UploadError('file-unreadable', String(error), { cause: error }),
        ),
      )
  }

  function onResponse(response: WorkerResponse): void {
    const job = jobs.get(response.id)
    if (job === undefined) return // cancelled already, or its worker was abandoned
    if (response.type === 'progress') {
      job.options.onProgress?.(response.bytes)
      return
    }
    if (response.type === 'warning') {
      if (!warned) {
        warned = true
        job.options.onWarning?.(
          new UploadError(response.code, response.message, { retryable: false }),
        )
      }
      return
    }
    jobs.delete(response.id)
    job.slot.jobs.delete(response.id)
    if (response.type === 'done') job.resolve(response.hex)
    else job.reject(workerError(response.code, response.message))
    scheduleIdleShutdown()
  }

  function run(kind: JobKind, blob: Blob, options: HashOptions): Promise<string> {
    const { signal } = options
    if (signal.aborted) return Promise.reject(abortError(signal))
    clearIdleTimer()

    return new Promise<string>((resolve, reject) => {
      const id = nextId++
      const settle = () => signal.removeEventListener('abort', onAbort)
      const onAbort = () => {
        const running = jobs.get(id)
        if (running !== undefined) {
          jobs.delete(id)
          running.slot.jobs.delete(id)
          running.slot.worker.postMessage({ type: 'cancel', id } satisfies WorkerRequest)
        }
        settle()
        reject(abortError(signal))
        scheduleIdleShutdown()
      }
      signal.addEventListener('abort', onAbort, { once: true })

      const job: Job = {
        kind,
        blob,
        options: withMonotonicProgress(options),
        resolve: (hex) => (settle(), resolve(hex)),
        reject: (error) => (settle(), reject(error)),
      }
      const dispatch = () => {
        if (signal.aborted) return // onAbort rejected it already
        const slot = pickSlot(kind)
        if (slot === undefined) {
          runInline(job)
          return
        }
        jobs.set(id, { ...job, slot })
        slot.jobs.add(id)
        const request: WorkerRequest =
          kind === 'md5'
            ? { type: 'md5', id, blob, sliceSize, engine }
            : // Three small reads: spark-md5 is quick enough, and the first byte never waits
              // for WebAssembly to load. The digest is the same either way.
              { type: 'sample', id, blob, sampleSize, engine: 'spark' }
        try {
          slot.worker.postMessage(request)
        } catch {
          // A blob that cannot be cloned into the worker (unusual, e.g. some polyfills): hash inline.
          jobs.delete(id)
          slot.jobs.delete(id)
          runInline(job)
        }
      }
      if (!startsWorker(kind)) return dispatch()
      // Starting a module worker costs the page tens of ms: each start gets its own task,
      // never the one that added the file (nor the other worker's).
      const generation = disposals
      void yieldToEventLoop().then(() => {
        if (generation === disposals) dispatch()
        else job.reject(new UploadError('aborted', 'The hasher was disposed', { retryable: false }))
      })
    })
  }

  /** Whether the next job of this kind would start a worker (see {@link pickSlot}). */
  function startsWorker(kind: JobKind): boolean {
    if (workerUnusable || slots.some((slot) => slot.jobs.size === 0)) return false
    const size = poolSize ?? Math.max(1, Math.floor(options.workers ?? defaultWorkerCount()))
    return slots.length < size && (kind === 'md5' || slots.length === 0)
  }

  return {
    md5: (blob, hashOptions) => run('md5', blob, hashOptions),
    sample: (blob, hashOptions) =>
      options.sampleInWorker
        ? run('sample', blob, hashOptions)
        : sampleMd5(blob, {
            signal: hashOptions.signal,
            onProgress: hashOptions.onProgress,
            sampleSize,
            yieldBetweenSamples: yieldToEventLoop,
          }),
    dispose() {
      disposals++
      clearIdleTimer()
      terminateAll()
      const pending = [...jobs.values()]
      jobs.clear()
      for (const job of pending) {
        job.reject(new UploadError('aborted', 'The hasher was disposed', { retryable: false }))
      }
      fallback?.dispose()
      fallback = undefined
      if (blobUrl !== undefined) URL.revokeObjectURL(blobUrl)
      blobUrl = undefined
    },
  }
}

/**
 * Progress that never goes backwards: a job moved from a failed worker to the inline hasher
 * starts again from 0, and the user should not see the bar jump back.
 */
function withMonotonicProgress(options: HashOptions): HashOptions {
  const { onProgress } = options
  if (onProgress === undefined) return options
  let reported = -1
  return {
    ...options,
    onProgress: (bytes) => {
      if (bytes <= reported) return
      reported = bytes
      onProgress(bytes)
    },
  }
}

function workerError(code: UploadErrorCode | undefined, message: string): UploadError {
  return new UploadError(code ?? 'file-unreadable', message, { retryable: false })
}
