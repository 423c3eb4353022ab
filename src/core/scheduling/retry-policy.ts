import type { UploadError } from '../errors'

/** How failed requests are retried. One policy, applied by the one scheduler. */
export interface RetryPolicy {
  /**
   * Attempts per request, the first included.
   * @default 8
   */
  readonly maxAttempts: number
  /**
   * Delay before the first retry, doubled on each further one.
   * @default 500
   */
  readonly baseDelayMs: number
  /**
   * Upper bound of the exponential delay.
   * @default 30000
   */
  readonly maxDelayMs: number
  /**
   * Fraction of the delay that is randomized (0 = none, 1 = full jitter), so that many
   * clients failing together do not retry together.
   * @default 0.5
   */
  readonly jitter: number
  /**
   * Upper bound on a server's Retry-After, so a hostile header cannot park an upload for days.
   * @default 600000
   */
  readonly maxRetryAfterMs: number
  /**
   * Network-class failures (network, timeout, stalled, offline) of one request in a row,
   * with no request succeeding meanwhile, after which the link counts as down although the
   * browser says online: uploads pause as offline (their attempts are kept, not spent into
   * a failure) and one is retried as a probe with backoff until it gets through.
   * @default 3
   */
  readonly offlineAfter?: number
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.5,
  maxRetryAfterMs: 600_000,
  offlineAfter: 3,
})

/**
 * Delay before retry number `failures` (1 for the first retry). A server's Retry-After wins
 * over the exponential schedule; otherwise `min(max, base × 2^(failures−1))` minus up to
 * `jitter` of itself.
 */
export function retryDelay(
  policy: RetryPolicy,
  failures: number,
  error: Pick<UploadError, 'retryAfterMs'>,
  random: () => number = Math.random,
): number {
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, policy.maxRetryAfterMs)
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1))
  return Math.round(exponential * (1 - policy.jitter * random()))
}

/** Whether a failed attempt should be tried again. */
export function shouldRetry(policy: RetryPolicy, attempt: number, error: UploadError): boolean {
  return error.retryable && attempt < policy.maxAttempts
}
