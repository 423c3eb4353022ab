import { findOrCreate, isGone, type Connected } from './find-or-create'
import { runControl } from './control-requests'
import { toUploadError, UploadError } from '../errors'
import { awaitHash, stopHashing } from './full-hash'
import { activeTime, type Job, type Run, type ServerSide } from './job'
import { setStatus, type FlowContext } from './run-context'
import { createPartDigests } from './part-digests'
import { sendAll } from './send-parts'
import { sendSmall, takesSmallPath } from './small-file'
import { runBeforeUpload } from './before-upload'
import type { UploadResult } from '../types'

/**
 * One run of one upload: the app's `beforeUpload` hook (first run only), then a small file's
 * one request (`small-file.ts`), or identify, find
 * or create the server side, send what it lacks, complete and verify. A pause or cancel
 * aborts the run's signal; the verb that did so has already set the status, so an aborted
 * run just stops.
 */
export async function runUpload(ctx: FlowContext, job: Job): Promise<void> {
  const controller = new AbortController()
  const run: Run = { controller, signal: controller.signal }
  job.run = run
  const { signal } = run
  job.stats.startedAt ??= ctx.clock.now()
  job.stats.runningSince = ctx.clock.now()
  try {
    setStatus(ctx, job, { state: 'preparing' })
    // A lazily loaded HTTP client loads while the file is identified, not before a request.
    try {
      ctx.transport.prepare?.()
    } catch {
      // Documented never to throw; if it does, the first request reports what is wrong.
    }
    // The app's hook may refuse the file or replace it: before its size picks the path.
    await runBeforeUpload(ctx, job, signal)
    // A small file is sent in one request; a server without that route gets the parts.
    const trySmall = takesSmallPath(ctx, job)
    const small = trySmall ? await sendSmall(ctx, job, signal) : undefined
    const result = small ?? (await runMultipart(ctx, job, signal, trySmall))
    if (job.run === run && !signal.aborted) await succeed(ctx, job, result)
  } catch (error) {
    if (job.run !== run || signal.aborted) return
    fail(ctx, job, toUploadError(error))
  } finally {
    run.release?.()
    if (job.run === run) {
      job.run = undefined
      stopClock(ctx, job)
    }
  }
}

/**
 * The multipart path: identify, find or create the server side, send its parts, complete.
 * `announced`: the small-file path already emitted `upload-started` before it fell back.
 */
async function runMultipart(
  ctx: FlowContext,
  job: Job,
  signal: AbortSignal,
  announced: boolean,
): Promise<UploadResult> {
  // The full hash starts in findOrCreate, once the file is identified.
  prefetchFirstParts(ctx, job, signal)
  let connected: Connected = await findOrCreate(ctx, job, signal)
  if (connected.kind === 'upload') {
    if (!announced)
      ctx.emit('upload-started', {
        upload: ctx.snapshot(job),
        resumed: job.stats.resumed,
        bytesAlreadyUploaded: job.counts.acked,
      })
    connected = await sendOrRestart(ctx, job, connected.server, signal)
  }
  return connected.kind === 'done' ? connected.result : finish(ctx, job, connected.server, signal)
}

/**
 * Sends what the server lacks. A part answered "gone" (404/410: the server expired or lost
 * the upload mid-run) sends the run back through findOrCreate once, which asks the server
 * and, if it really forgot the upload, starts over with `restarted` set. Once per run, so a
 * server that keeps forgetting ends in the error instead of a loop. Completion is not
 * restarted: a "gone" there may mean an earlier Complete already succeeded.
 */
async function sendOrRestart(
  ctx: FlowContext,
  job: Job,
  server: ServerSide,
  signal: AbortSignal,
): Promise<Connected> {
  try {
    await sendAll(ctx, job, server, signal)
    return { kind: 'upload', server }
  } catch (error) {
    // A retryable "expired" is a part URL's signature, not the upload: the retries had it.
    if (!isGone(error) || (error as UploadError).retryable || signal.aborted) throw error
    const again = await findOrCreate(ctx, job, signal)
    if (again.kind === 'upload') await sendAll(ctx, job, again.server, signal)
    return again
  }
}

/** A run ended or was halted: its time counts, the pause that follows does not. */
export function stopClock(ctx: FlowContext, job: Job): void {
  const { stats } = job
  if (stats.runningSince === undefined) return
  stats.activeMs += ctx.clock.now() - stats.runningSince
  stats.runningSince = undefined
}

/**
 * Where parts carry an MD5, their digests are computed ahead of the requests. Which parts
 * come first is known once the record is read (findOrCreate): a resumed upload hashes the
 * parts it lacks, a new one the first parts of its plan while it is being created.
 */
function prefetchFirstParts(ctx: FlowContext, job: Job, signal: AbortSignal): void {
  const { hasher, protocol } = ctx
  job.digests =
    protocol.capabilities.partChecksum === 'md5' && hasher
      ? createPartDigests(hasher, job.file, signal)
      : undefined
}

async function finish(ctx: FlowContext, job: Job, server: ServerSide, signal: AbortSignal) {
  let hash: string | undefined
  if (job.hash.status.state !== 'off' && ctx.hasher) {
    if (ctx.protocol.capabilities.verifiesFileHash === false) {
      hash = job.hash.status.value // pass it along if known, never wait for it
    } else {
      if (!job.hash.status.value) setStatus(ctx, job, { state: 'hashing' })
      hash = await awaitHash(job, signal)
    }
  }
  setStatus(ctx, job, { state: 'completing' })
  const parts = [...server.acked.values()].sort((a, b) => a.index - b.index)
  const result = await runControl(ctx, job, signal, (c) =>
    ctx.protocol.complete({ ...c, remote: server.remote, plan: server.plan, parts, hash }),
  )
  if (hash && result.hash && result.hash.toLowerCase() !== hash) {
    throw new UploadError('hash-mismatch', 'The stored file differs from the local file', {
      retryable: false,
      params: { name: job.info.name, expected: hash, actual: result.hash },
    })
  }
  return result
}

async function succeed(ctx: FlowContext, job: Job, result: UploadResult): Promise<void> {
  const now = ctx.clock.now()
  job.stats.finishedAt = now
  job.counts.acked = job.info.size
  job.counts.inflight.clear()
  // Done without waiting for the full hash (nothing verifies it): it is of no use now.
  stopHashing(job)
  setStatus(ctx, job, { state: 'done', result })
  ctx.emit('upload-success', {
    upload: ctx.snapshot(job),
    result,
    durationMs: activeTime(job, now),
    retries: job.stats.retries,
    bytesResent: job.counts.resent,
    resumed: job.stats.resumed,
    instant: result.instant === true,
  })
  if (job.server) await ctx.writer.delete(job.server.key)
}

function fail(ctx: FlowContext, job: Job, error: UploadError): void {
  // Messages name the file; errors raised deep in a protocol do not know it.
  error.params.name ??= job.info.name
  const now = ctx.clock.now()
  job.stats.finishedAt = now
  job.counts.inflight.clear()
  setStatus(ctx, job, { state: 'error', error })
  ctx.emit('upload-error', {
    upload: ctx.snapshot(job),
    error,
    durationMs: activeTime(job, now),
    retries: job.stats.retries,
  })
}
