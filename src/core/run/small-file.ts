/**
 * The small-file path: a file no larger than `smallFileThreshold` goes to the server in the
 * one request its protocol's `uploadSmall` allows, creating and completing it at once.
 * Nothing is remembered for it (no fingerprint, no resume record, no cross-tab lock): it
 * costs less to send again than to remember. Its request goes through the one scheduler like
 * a part, so many small files and big ones share the lanes fairly, and retries, the stall
 * guard, pause (the whole body is sent again on resume) and cancel apply as to any part.
 */
import { abortError, UploadError } from '../errors'
import { awaitHash, startHashing, wantsFileHash } from './full-hash'
import type { Job } from './job'
import { setStatus, type FlowContext } from './run-context'
import { onRetry, orFileProblem } from './send-parts'
import { withStallGuard } from './stall-guard'
import { joinsBatches, sendInBatch, SMALL_KEY } from './small-batch'
import { ackRequest, dropRequest, reportLoaded } from '../status/progress'
import type { UploadResult } from '../types'

/**
 * Whether this run of `job` takes the small-file path: the protocol has one, the file is at
 * most the threshold, and no server-side upload exists or is being created for it (a
 * resumed record, a run that fell back to the multipart path).
 */
export function takesSmallPath(ctx: FlowContext, job: Job): boolean {
  const threshold = ctx.options.smallFileThreshold
  return (
    ctx.protocol.uploadSmall !== undefined &&
    threshold > 0 &&
    job.info.size <= threshold &&
    job.server === undefined &&
    job.creating === undefined &&
    job.resumeOf === undefined
  )
}

/**
 * The MD5 of the body where integrity needs it: the full hash for a server that verifies it
 * (through the usual hash job, so `hashed` is emitted and the status shows it), or the body's
 * digest for a protocol that signs it into a Content-MD5. None with hashing off.
 */
async function bodyMd5(ctx: FlowContext, job: Job, signal: AbortSignal) {
  const { hasher, protocol } = ctx
  if (!hasher) return undefined
  if (job.hash.status.state !== 'off' && wantsFileHash(ctx)) {
    startHashing(ctx, job)
    return awaitHash(job, signal)
  }
  if (protocol.capabilities.partChecksum !== 'md5') return undefined
  return hasher.md5(job.file, {
    signal,
    onWarning: (error) => ctx.emit('warning', { error }),
  })
}

/**
 * Sends the whole file in one request (retried as a whole). Resolves with the server's
 * result, or with `undefined` when the protocol says the server has no such route: the caller
 * then takes the multipart path in the same run.
 */
export async function sendSmall(
  ctx: FlowContext,
  job: Job,
  signal: AbortSignal,
): Promise<UploadResult | undefined> {
  // Bytes a paused run had sent are sent again.
  dropRequest(job.counts, SMALL_KEY)
  const md5 = await bodyMd5(ctx, job, signal)
  setStatus(ctx, job, { state: 'uploading', retrying: false })
  ctx.emit('upload-started', { upload: ctx.snapshot(job), resumed: false, bytesAlreadyUploaded: 0 })
  // Several small files to a request where the protocol can (`small-batch.ts`).
  const together = joinsBatches(ctx, job) ? await sendInBatch(ctx, job, md5, signal) : 'alone'
  const result = together !== 'alone' ? together : await sendAlone(ctx, job, md5, signal)
  if (signal.aborted) throw abortError(signal)
  if (!result) {
    dropRequest(job.counts, SMALL_KEY)
    return undefined
  }
  ackRequest(job.counts, SMALL_KEY, job.info.size)
  if (md5 && result.hash && result.hash.toLowerCase() !== md5) {
    throw new UploadError('hash-mismatch', 'The stored file differs from the local file', {
      retryable: false,
      params: { name: job.info.name, expected: md5, actual: result.hash },
    })
  }
  return result
}

/** The file in its own request, retried as a whole. */
function sendAlone(ctx: FlowContext, job: Job, md5: string | undefined, signal: AbortSignal) {
  const { protocol } = ctx
  dropRequest(job.counts, SMALL_KEY)
  return ctx.scheduler.run({
    owner: job.id,
    signal,
    onRetry: onRetry(ctx, job),
    run: async (attemptSignal) => {
      try {
        return await withStallGuard(
          ctx.clock,
          ctx.options.stallTimeoutMs,
          attemptSignal,
          (guarded, touch) =>
            protocol.uploadSmall!({
              transport: ctx.transport,
              clock: ctx.clock,
              signal: guarded,
              file: job.info,
              body: job.file,
              md5,
              metadata: job.metadata ?? {},
              onProgress: (loaded) => {
                touch()
                if (attemptSignal.aborted) return
                reportLoaded(job.counts, SMALL_KEY, loaded)
                ctx.changed(job, 'progress')
              },
            }),
        )
      } catch (error) {
        if (!signal.aborted) dropRequest(job.counts, SMALL_KEY)
        throw attemptSignal.aborted ? error : await orFileProblem(job, error)
      }
    },
  })
}
