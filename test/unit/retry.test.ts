import { describe, expect, it } from 'vitest'
import {
  defaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
  shouldRetry,
  UploadError,
} from '../../src/core'

describe('retry classification', () => {
  it('retries timeouts, conflicts, locks, too-early, rate limits and 5xx only', () => {
    for (const status of [408, 409, 423, 425, 429, 500, 502, 503, 504])
      expect(isRetryableStatus(status)).toBe(true)
    for (const status of [400, 401, 403, 404, 410, 413, 415, 422])
      expect(isRetryableStatus(status)).toBe(false)
  })

  it('treats network errors as retryable and permanent ones as final', () => {
    const policy = defaultRetryPolicy
    expect(shouldRetry(policy, 1, new UploadError('network', 'x'))).toBe(true)
    expect(shouldRetry(policy, 1, new UploadError('rejected', 'x'))).toBe(false)
    expect(shouldRetry(policy, policy.maxAttempts, new UploadError('network', 'x'))).toBe(false)
  })
})

describe('backoff', () => {
  const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 }
  const none = new UploadError('network', 'x')

  it('doubles up to the cap without jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => retryDelay(policy, n, none, () => 0))
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000])
  })

  it('takes at most `jitter` off the delay', () => {
    expect(retryDelay(policy, 3, none, () => 1)).toBe(200)
    expect(retryDelay(policy, 3, none, () => 0.5)).toBe(300)
  })

  it('honours Retry-After over the schedule, bounded', () => {
    expect(retryDelay(policy, 1, new UploadError('server', 'x', { retryAfterMs: 7000 }))).toBe(7000)
    const hostile = new UploadError('server', 'x', { retryAfterMs: 10 ** 12 })
    expect(retryDelay(policy, 1, hostile)).toBe(policy.maxRetryAfterMs)
  })

  it('parses Retry-After as seconds or an HTTP date, and ignores garbage', () => {
    const now = Date.parse('2026-11-21T10:00:00Z')
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })
})
