/**
 * The main-thread fallback for environments without Worker (SSR, tests, a CSP that forbids
 * workers). It yields to the event loop between slices so it never blocks for long.
 */
import type { UploadError } from '../core/errors'
import type { HashOptions } from '../core/types'
import type { DisposableHasher } from './disposable-hasher'
import type { Md5Engine } from './md5-engine'
import { DEFAULT_SAMPLE_SIZE, md5OfBlob, sampleMd5 } from './md5-stream'
import { yieldToEventLoop } from './yield-to-event-loop'

/**
 * Default inline slice: 512 KiB. Measured in Chromium on a busy 2-core machine, 1 MiB slices
 * took 20-30 ms each but 55-70 ms for the first (spark-md5 not yet optimized by the JIT);
 * 512 KiB stayed under 42 ms throughout and was no slower overall.
 */
export const DEFAULT_INLINE_SLICE_SIZE = 512 * 1024

export interface InlineHasherOptions {
  /** Bytes hashed per task. Default {@link DEFAULT_INLINE_SLICE_SIZE} (512 KiB). */
  readonly sliceSize?: number
  /** Bytes per sample for `sample()`. Default {@link DEFAULT_SAMPLE_SIZE} (256 KiB). */
  readonly sampleSize?: number
  /** Awaited between slices. Default: a macrotask ({@link yieldToEventLoop}). */
  readonly yieldBetweenSlices?: () => Promise<void>
  /** The MD5 implementation (see `HasherOptions.md5`). @default 'spark' */
  readonly md5?: Md5Engine
}

/** A {@link DisposableHasher} on the current thread; it holds nothing, so `dispose()` does nothing. */
export function createInlineHasher(options: InlineHasherOptions = {}): DisposableHasher {
  const {
    sliceSize = DEFAULT_INLINE_SLICE_SIZE,
    sampleSize = DEFAULT_SAMPLE_SIZE,
    yieldBetweenSlices = yieldToEventLoop,
    md5: engine = 'spark',
  } = options
  // One warning per hasher, however many jobs fall back.
  let warned = false
  const onFallback = (onWarning: HashOptions['onWarning']) => (warning: UploadError) => {
    if (warned) return
    warned = true
    onWarning?.(warning)
  }
  return {
    md5: (blob: Blob, { signal, onProgress, onWarning }: HashOptions) =>
      md5OfBlob(blob, {
        signal,
        onProgress,
        sliceSize,
        yieldBetweenSlices,
        engine,
        onFallback: onFallback(onWarning),
      }),
    // Three samples of 256 KiB take ~12 ms together: one task is fine.
    sample: (blob: Blob, { signal, onProgress, onWarning }: HashOptions) =>
      sampleMd5(blob, {
        signal,
        onProgress,
        sampleSize,
        engine,
        onFallback: onFallback(onWarning),
      }),
    dispose: () => undefined,
  }
}
