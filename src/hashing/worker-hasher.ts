/**
 * Hashes in a Web Worker so the page never stalls. The worker is created on first use,
 * shared by concurrent jobs, and terminated when idle or disposed. If it cannot start
 * (CSP, a 404 on its asset, no module workers) every job falls back to the inline hasher.
 */
import { UploadError, abortError } from '../core/errors'
import type { UploadErrorCode } from '../core/errors'
import type { HashOptions } from '../core/types'
import type { DisposableHasher } from './disposable-hasher'
import { createInlineHasher } from './inline-hasher'
import { DEFAULT_SLICE_SIZE } from './md5-stream'
import type { WorkerRequest, WorkerResponse } from './worker-protocol'

/** Default idle period before the worker is terminated: 10 s. */
export const DEFAULT_WORKER_IDLE_MS = 10_000

export interface WorkerHasherOptions {
  /** Starts the worker. Default: the bundled `md5.worker.ts` as a module worker. */
  readonly createWorker?: () => Worker
  /** Bytes per slice in the worker. Default {@link DEFAULT_SLICE_SIZE} (4 MiB). */
  readonly sliceSize?: number
  /** Bytes per sample for `sample()`; default 256 KiB (see `sampleMd5`). */
  readonly sampleSize?: number
  /** Idle time after the last job before the worker is terminated. Default {@link DEFAULT_WORKER_IDLE_MS}. */
  readonly idleMs?: number
  /** Used when the worker cannot run. Default: `createInlineHasher()`, created when first needed. */
  readonly fallback?: () => DisposableHasher
}

type JobKind = 'md5' | 'sample'

interface Job {
  readonly kind: JobKind
  readonly blob: Blob
  readonly options: HashOptions
  readonly resolve: (hex: string) => void
  readonly reject: (error: UploadError) => void
}

/** Written out literally so Vite recognizes it and emits the worker as its own asset. */
function createBundledWorker(): Worker {
  return new Worker(new URL('./md5.worker.ts', import.meta.url), { type: 'module' })
}

/** A {@link DisposableHasher} backed by one lazily created Web Worker. */
export function createWorkerHasher(options: WorkerHasherOptions = {}): DisposableHasher {
  const {
    createWorker = createBundledWorker,
    sliceSize = DEFAULT_SLICE_SIZE,
    sampleSize,
    idleMs = DEFAULT_WORKER_IDLE_MS,
    fallback: createFallback = () => createInlineHasher(),
  } = options

  let worker: Worker | undefined
  /** Set once the worker failed to start or crashed: every later job runs inline. */
  let workerUnusable = false
  let fallback: DisposableHasher | undefined
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  let nextId = 1
  const jobs = new Map<number, Job>()

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
    if (worker === undefined || jobs.size > 0) return
    idleTimer = setTimeout(() => {
      idleTimer = undefined
      if (jobs.size === 0) terminateWorker()
    }, idleMs)
  }

  function terminateWorker(): void {
    if (worker === undefined) return
    worker.onmessage = null
    worker.onerror = null
    worker.onmessageerror = null
    worker.terminate()
    worker = undefined
  }

  /** The running worker, started if needed; undefined when workers cannot be used here. */
  function ensureWorker(): Worker | undefined {
    if (workerUnusable) return undefined
    if (worker !== undefined) return worker
    try {
      worker = createWorker()
    } catch {
      workerUnusable = true
      return undefined
    }
    worker.onmessage = (event: MessageEvent<WorkerResponse>) => onResponse(event.data)
    // An error event means the worker itself failed (its script did not load, CSP): the
    // jobs it held are re-run inline rather than failing the upload.
    worker.onerror = (event: Event) => {
      event.preventDefault()
      abandonWorker()
    }
    worker.onmessageerror = () => abandonWorker()
    return worker
  }

  function abandonWorker(): void {
    workerUnusable = true
    clearIdleTimer()
    terminateWorker()
    const stranded = [...jobs.values()]
    jobs.clear()
    for (const job of stranded) runInline(job)
  }

  function runInline(job: Job): void {
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
    jobs.delete(response.id)
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
        if (jobs.delete(id)) worker?.postMessage({ type: 'cancel', id } satisfies WorkerRequest)
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
      const target = ensureWorker()
      if (target === undefined) {
        runInline(job)
        return
      }
      jobs.set(id, job)
      const request: WorkerRequest =
        kind === 'md5'
          ? { type: 'md5', id, blob, sliceSize }
          : { type: 'sample', id, blob, sampleSize }
      try {
        target.postMessage(request)
      } catch {
        // A blob that cannot be cloned into the worker (unusual, e.g. some polyfills): hash inline.
        jobs.delete(id)
        runInline(job)
      }
    })
  }

  return {
    md5: (blob, hashOptions) => run('md5', blob, hashOptions),
    sample: (blob, hashOptions) => run('sample', blob, hashOptions),
    dispose() {
      clearIdleTimer()
      terminateWorker()
      const pending = [...jobs.values()]
      jobs.clear()
      for (const job of pending) {
        job.reject(new UploadError('aborted', 'The hasher was disposed', { retryable: false }))
      }
      fallback?.dispose()
      fallback = undefined
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
    signal: options.signal,
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
