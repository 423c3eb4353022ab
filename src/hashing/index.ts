/**
 * MD5 hashing behind core's `Hasher` port: in a Web Worker where there is one, otherwise on
 * the main thread in short slices.
 */
import { UploadError } from '../core/errors'
import type { DisposableHasher } from './disposable-hasher'
import { createInlineHasher, type InlineHasherOptions } from './inline-hasher'
import { resolveMd5Engines, type Md5Engine } from './md5-engine'
import { createWorkerHasher, type WorkerHasherOptions } from './worker-hasher'

export type { DisposableHasher } from './disposable-hasher'
export {
  createInlineHasher,
  DEFAULT_INLINE_SLICE_SIZE,
  type InlineHasherOptions,
} from './inline-hasher'
export {
  createWorkerHasher,
  DEFAULT_WORKER_IDLE_MS,
  type WorkerHasherOptions,
} from './worker-hasher'
export {
  md5OfBlob,
  sampleMd5,
  DEFAULT_SAMPLE_SIZE,
  DEFAULT_SLICE_SIZE,
  type Md5StreamOptions,
  type SampleMd5Options,
} from './md5-stream'
export { yieldToEventLoop } from './yield-to-event-loop'
export type { Md5Engine } from './md5-engine'

export interface HasherOptions {
  /**
   * The MD5 implementation. `'wasm'` is hash-wasm's WebAssembly MD5 (~3× faster), loaded by
   * dynamic import; `'spark'` is spark-md5 (JavaScript, ~65 MiB/s in a Chromium worker here).
   * By default the Worker hashes with `'wasm'` and the main-thread fallback with `'spark'`
   * (no extra chunk on the page). WebAssembly needs `'wasm-unsafe-eval'` in `script-src`
   * under a strict Content Security Policy; where it is refused, hashing goes on with
   * spark-md5 and the uploader emits one `warning` with code `wasm-unavailable`. Pass
   * `'spark'` to never load WebAssembly. Digests are the same either way.
   * @default 'wasm' in the Worker, 'spark' on the main thread
   */
  readonly md5?: Md5Engine
  /** Options for the worker hasher, used when `Worker` exists. */
  readonly worker?: WorkerHasherOptions
  /** Options for the inline hasher, used without `Worker` and as the worker's fallback. */
  readonly inline?: InlineHasherOptions
  /**
   * Told once when hashing runs on the main thread because workers cannot: `Worker` does not
   * exist (told on the first job), or a worker failed to start or crashed. The error's code is
   * `unsupported`; uploads go on.
   */
  readonly onFallback?: (error: UploadError) => void
}

/**
 * The default hasher: {@link createWorkerHasher}, which hashes inline
 * ({@link createInlineHasher}) where a worker cannot start (no `Worker`, a CSP, a failed
 * load). Reads `Worker` only when a job runs, never at import.
 */
export function createHasher(options: HasherOptions = {}): DisposableHasher {
  const engines = resolveMd5Engines(options.md5)
  const inline = () => createInlineHasher({ md5: engines.inline, ...options.inline })
  // Without `Worker` the first job fails to start one and runs inline, like a worker refused
  // by a CSP: one fallback path, told once to `onFallback` and to the job's uploader.
  return createWorkerHasher({
    fallback: inline,
    md5: engines.worker,
    onFallback: options.onFallback,
    ...options.worker,
  })
}
