/**
 * Hash-ahead for the small-file path: the small request of a server that verifies the file's
 * MD5 (HTTP) cannot leave before that MD5 is known, so while small files are on the wire the
 * next queued ones are hashed, and a lane that frees up finds its next file's MD5 ready
 * instead of waiting for the hasher. Only the next few queued files are looked at, in the
 * order they were added (the one queue stays fair: a big file ahead takes its place in the
 * window and is hashed when its own run starts, alongside its upload).
 */
import { startHashing, wantsFileHash } from './full-hash'
import type { Job } from './job'
import type { FlowContext } from './run-context'
import { takesSmallPath } from './small-file'

/**
 * Starts the full MD5 of each small file among the next `depth` queued jobs of `jobs` (in
 * order) that will need it. A job whose `beforeUpload` hook has not run yet is left alone
 * (the hook may hand back another blob). Starting twice is a no-op, so calling this on
 * every pump is cheap; cancel stops such a hash like any other.
 */
export function hashAhead(ctx: FlowContext, jobs: Iterable<Job>, depth: number): void {
  if (!ctx.hasher || ctx.lifetime.aborted || depth <= 0 || !wantsFileHash(ctx)) return
  const hookPending = typeof ctx.beforeUpload === 'function'
  let seen = 0
  for (const job of jobs) {
    if (job.status.state !== 'queued' || job.run) continue
    if (seen++ >= depth) return
    if (job.hash.status.state !== 'idle' || !takesSmallPath(ctx, job)) continue
    if (hookPending && !job.beforeUploadDone) continue
    startHashing(ctx, job)
  }
}
