/**
 * MD5 hashing behind core's `Hasher` port: in a Web Worker where there is one, otherwise on
 * the main thread in short slices.
 */
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
}

/**
 * The default hasher: {@link createWorkerHasher} when `Worker` exists (it still falls back
 * inline if the worker cannot start), else {@link createInlineHasher}. Reads `Worker` only
 * when called, never at import.
 */
export function createHasher(options: HasherOptions = {}): DisposableHasher {
  const inline = () => createInlineHasher(options.inline)
  if (typeof Worker === 'undefined') return inline()
  return createWorkerHasher({ fallback: inline, ...options.worker })
}
