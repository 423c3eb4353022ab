/**
 * MD5 hashing behind core's `Hasher` port: in a Web Worker where there is one, otherwise on
 * the main thread in short slices.
 */
import { UploadError } from '../core/errors'
import type { DisposableHasher } from './disposable-hasher'
import { createInlineHasher, type InlineHasherOptions } from './inline-hasher'
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

export interface HasherOptions {
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
 * The default hasher: {@link createWorkerHasher} when `Worker` exists (it still falls back
 * inline if the worker cannot start), else {@link createInlineHasher}. Reads `Worker` only
 * when called, never at import.
 */
export function createHasher(options: HasherOptions = {}): DisposableHasher {
  const inline = () => createInlineHasher(options.inline)
  if (typeof Worker === 'undefined') {
    const hasher = inline()
    if (!options.onFallback) return hasher
    let told = false
    const tell = () => {
      if (told) return
      told = true
      options.onFallback?.(
        new UploadError(
          'unsupported',
          'Web Workers do not exist here; hashing on the main thread',
          {
            retryable: false,
          },
        ),
      )
    }
    return {
      md5: (blob, hashOptions) => (tell(), hasher.md5(blob, hashOptions)),
      sample: (blob, hashOptions) => (tell(), hasher.sample(blob, hashOptions)),
      dispose: () => hasher.dispose(),
    }
  }
  return createWorkerHasher({ fallback: inline, onFallback: options.onFallback, ...options.worker })
}
