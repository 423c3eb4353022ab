/**
 * Tells a protocol with `prepareSmall` which small files come next, so it can prepare them
 * together (the S3 protocol signs up to 100 in one request) while earlier files are on the
 * wire. Work runs ahead by a window of queued files and is refilled in batches, not one
 * file per finished upload, so one preparation covers many files.
 */
import type { Job } from '../run/job'
import type { FlowContext } from '../run/run-context'
import { takesSmallPath } from '../run/small-file'
import type { WaitingLine } from './waiting-line'

/** Queued files looked at ahead of the running ones, and small files prepared ahead, at most. */
export const SMALL_AHEAD = 64
/** Prepared files still queued below which the next batch is prepared. */
const REFILL_BELOW = SMALL_AHEAD / 2

/** Returns the function the file queue calls whenever it starts files. */
export function createSmallAhead(ctx: FlowContext, line: Pick<WaitingLine, 'waiting'>) {
  const prepared = new WeakSet<Job>()
  return function prepareAhead(): void {
    const { protocol } = ctx
    if (!protocol.prepareSmall || ctx.lifetime.aborted) return
    let ready = 0
    let seen = 0
    const next: Job[] = []
    for (const job of line.waiting()) {
      // A window over the queue: a big file in it takes its place, so a queue of big files
      // is never walked to its end on every pump.
      if (++seen > SMALL_AHEAD) break
      if (!takesSmallPath(ctx, job)) continue
      if (prepared.has(job)) ready++
      else next.push(job)
    }
    if (next.length === 0 || ready >= REFILL_BELOW) return
    for (const job of next) prepared.add(job)
    protocol.prepareSmall({
      transport: ctx.transport,
      clock: ctx.clock,
      signal: ctx.lifetime,
      files: next.map((job) => job.info),
    })
  }
}
