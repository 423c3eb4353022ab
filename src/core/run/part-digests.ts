import { partAt } from './part-plan'
import type { ChunkPlan, Hasher } from '../types'

/**
 * Part MD5s (for protocols that send a checksum with each part) computed ahead of the
 * requests that need them: the first parts while the upload is still being identified and
 * created, then the next part while the current ones are on the wire, so hashing overlaps
 * the transfer instead of gating each request. Holds digests only (a few hex strings),
 * never bytes; a digest is dropped once taken, and a failed one so it is computed again.
 */
export interface PartDigests {
  /** Starts hashing bytes `[start, end)` in the background unless already started. */
  prefetch(start: number, end: number): void
  /** The MD5 of bytes `[start, end)`: the prefetched one, or computed now. */
  take(start: number, end: number, signal: AbortSignal): Promise<string>
}

/** `signal` is the run's: a pause or cancel stops every prefetch. */
export function createPartDigests(hasher: Hasher, file: Blob, signal: AbortSignal): PartDigests {
  const ahead = new Map<string, Promise<string>>()
  const keyOf = (start: number, end: number) => `${start}-${end}`

  function start(start: number, end: number): Promise<string> {
    const key = keyOf(start, end)
    const digest = hasher.md5(file.slice(start, end), { signal })
    ahead.set(key, digest)
    // A failed prefetch is forgotten, and never reported unhandled: `take` hashes again.
    digest.catch(() => {
      if (ahead.get(key) === digest) ahead.delete(key)
    })
    return digest
  }

  return {
    prefetch(from, to) {
      if (signal.aborted || ahead.has(keyOf(from, to))) return
      void start(from, to)
    },
    take(from, to, attemptSignal) {
      const key = keyOf(from, to)
      const prefetched = ahead.get(key)
      ahead.delete(key)
      if (prefetched && !signal.aborted) {
        return prefetched.catch(() => hasher.md5(file.slice(from, to), { signal: attemptSignal }))
      }
      return hasher.md5(file.slice(from, to), { signal: attemptSignal })
    },
  }
}

/**
 * Starts hashing the first `count` parts of `plan` that are not in `held`: on a resume,
 * the parts its record lacks, while the server is asked what it holds, so the first part
 * sent after a reselect does not wait for its MD5 behind parts that need none.
 */
export function prefetchMissing(
  digests: PartDigests,
  plan: ChunkPlan,
  held: ReadonlySet<number> | ReadonlyMap<number, unknown>,
  count: number,
): void {
  let started = 0
  for (let index = 0; index < plan.count && started < count; index++) {
    if (held.has(index)) continue
    const { start, end } = partAt(plan, index)
    digests.prefetch(start, end)
    started++
  }
}
