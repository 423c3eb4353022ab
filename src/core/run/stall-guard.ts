import { linkedAbort, UploadError } from '../errors'
import type { Clock } from '../types'

/**
 * Runs `fn` with a signal that also aborts when `touch` has not been called for
 * `timeoutMs` (no upload progress, or no answer after the body went out). The abort
 * reason is a retryable `stalled` error, so the scheduler retries the request.
 */
export async function withStallGuard<T>(
  clock: Clock,
  timeoutMs: number,
  parent: AbortSignal,
  fn: (signal: AbortSignal, touch: () => void) => Promise<T>,
): Promise<T> {
  const link = linkedAbort(parent)
  const { controller } = link
  let cancelTimer: (() => void) | undefined
  const arm = () => {
    cancelTimer?.()
    if (timeoutMs > 0 && timeoutMs < Infinity) {
      cancelTimer = clock.setTimeout(() => {
        controller.abort(
          new UploadError('stalled', `No progress for ${timeoutMs} ms`, {
            retryable: true,
            params: { seconds: Math.round(timeoutMs / 1000) },
          }),
        )
      }, timeoutMs)
    }
  }
  arm()
  try {
    return await fn(controller.signal, arm)
  } finally {
    cancelTimer?.()
    link.unlink()
  }
}
