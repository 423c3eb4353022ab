import { reconcile } from './find-or-create'
import { askStatus } from './control-requests'
import { abortError, linkedAbort, toUploadError, UploadError } from '../errors'
import type { Job, ServerSide } from './job'
import { saveRecord, setStatus, type FlowContext } from './run-context'
import { partAt } from './part-plan'
import { ackRequest, dropRequest, rawBytes, reportLoaded } from '../status/progress'
import { withStallGuard } from './stall-guard'
import { checkFileReadable } from './file-check'
import { createPartDigests } from './part-digests'

/**
 * A request carrying a File the browser can no longer read (changed or deleted on disk)
 * fails like a network error: ask the file before retrying, and fail for good if it is gone.
 */
export async function orFileProblem(job: Job, error: unknown): Promise<unknown> {
  const typed = toUploadError(error)
  if (!typed.retryable || typed.code === 'expired') return error
  return (await checkFileReadable(job.file, job.info)) ?? error
}

/** The key the whole-file stream reports its bytes under (parts use their index). */
const STREAM_KEY = -1

/** A data request of `job` is retried: counted, shown (`retrying`) and told (`upload-retry`). */
export function onRetry(ctx: FlowContext, job: Job) {
  return ({
    error,
    attempt,
    delayMs,
  }: {
    error: UploadError
    attempt: number
    delayMs: number
  }) => {
    job.stats.retries++
    setStatus(ctx, job, { state: 'uploading', retrying: true })
    ctx.emit('upload-retry', { upload: ctx.snapshot(job), error, attempt, delayMs })
  }
}

async function refreshState(ctx: FlowContext, job: Job, server: ServerSide, signal: AbortSignal) {
  const state = await askStatus(ctx, job, server, signal)
  reconcile(job, server, state)
  saveRecord(ctx, job)
}

/**
 * The fast path: when nothing has been sent yet, one request whose body is the File itself.
 * If it is cut, the server's status says which parts arrived and the parts path sends the
 * rest; a failure that is not retryable fails the file.
 */
async function sendStream(ctx: FlowContext, job: Job, server: ServerSide, signal: AbortSignal) {
  const uploadStream = ctx.protocol.uploadStream!
  try {
    const state = await ctx.scheduler.run({
      owner: job.id,
      signal,
      retry: false,
      run: (s) =>
        withStallGuard(ctx.clock, ctx.options.stallTimeoutMs, s, (guarded, touch) =>
          uploadStream({
            transport: ctx.transport,
            clock: ctx.clock,
            signal: guarded,
            remote: server.remote,
            plan: server.plan,
            body: job.file,
            onProgress: (loaded) => {
              touch()
              if (signal.aborted) return
              reportLoaded(job.counts, STREAM_KEY, loaded)
              ctx.changed(job, 'progress')
            },
          }),
        ),
    })
    reconcile(job, server, state)
    saveRecord(ctx, job)
  } catch (thrown) {
    if (signal.aborted) throw abortError(signal)
    const error = toUploadError(await orFileProblem(job, thrown))
    if (!error.retryable) throw error
    onRetry(ctx, job)({ error, attempt: 1, delayMs: 0 })
    await refreshState(ctx, job, server, signal)
  }
}

/** Sends every part the server lacks, on as many lanes as the protocol and limit allow. */
async function sendParts(ctx: FlowContext, job: Job, server: ServerSide, signal: AbortSignal) {
  const { protocol, options } = ctx
  const { capabilities } = protocol
  const pending: number[] = []
  for (let index = 0; index < server.plan.count; index++) {
    if (!server.acked.has(index)) pending.push(index)
  }
  let cursor = 0
  // The first lane to fail stops its siblings, so no request outlives the failure.
  const link = linkedAbort(signal)
  const lanes = link.controller

  // A resumed upload's first parts go before their MD5 is known where the ETag shows it.
  let unhashedStarts =
    job.stats.resumed && capabilities.partEtagIsMd5 && job.digests
      ? capabilities.parallel
        ? options.concurrency
        : 1
      : 0

  const sendOne = async (index: number) => {
    const part = partAt(server.plan, index)
    let partMd5: string | undefined
    /** The MD5 a part sent without one is checked against once its ETag is back. */
    let checkAfter: Promise<string> | undefined
    const startedAt = ctx.clock.now()
    let attempts = 0
    const retried = onRetry(ctx, job)
    await ctx.scheduler.run({
      owner: job.id,
      signal: lanes.signal,
      onRetry: (info) => {
        ctx.tuner.record({ ok: false, at: ctx.clock.now() })
        retried(info)
      },
      // Outside the request slot: the status request needs a slot of its own, and a part
      // waiting for its MD5 sends nothing.
      before: async (attemptSignal, attempt) => {
        checkAfter = undefined
        if (attempt > 1 && capabilities.keepsPartialBodies) {
          await refreshState(ctx, job, server, attemptSignal)
        }
        if (server.acked.has(index) || !job.digests || partMd5 !== undefined) return
        if (attempt === 1 && unhashedStarts > 0) {
          unhashedStarts--
          checkAfter = job.digests.take(part.start, part.end, lanes.signal)
          checkAfter.catch(() => {})
          return
        }
        // The part a lane takes next is hashed while this one is on the wire.
        const next = pending[cursor]
        if (next !== undefined) {
          const { start: from, end: to } = partAt(server.plan, next)
          job.digests.prefetch(from, to)
        }
        partMd5 = await job.digests.take(part.start, part.end, attemptSignal)
      },
      run: async (attemptSignal, attempt) => {
        attempts = attempt
        if (server.acked.has(index)) return
        // Held up to here by the server: a cut request's bytes it kept (status said so).
        const partial = server.partial.get(index) ?? 0
        const start = part.start + partial
        const sentAt = ctx.clock.now()
        try {
          const receipt = await withStallGuard(
            ctx.clock,
            options.stallTimeoutMs,
            attemptSignal,
            (guarded, touch) =>
              protocol.uploadPart({
                transport: ctx.transport,
                clock: ctx.clock,
                signal: guarded,
                remote: server.remote,
                plan: server.plan,
                part,
                start,
                body: job.file.slice(start, part.end),
                partMd5,
                onProgress: (loaded) => {
                  touch()
                  if (attemptSignal.aborted) return
                  reportLoaded(job.counts, index, loaded)
                  ctx.changed(job, 'progress')
                },
              }),
          )
          if (signal.aborted) throw abortError(signal)
          if (checkAfter) {
            const md5 = await checkAfter
            checkAfter = undefined
            // The retry sends it again with its MD5, which the storage checks.
            partMd5 = md5
            if (receipt.etag?.toLowerCase() !== md5) {
              throw new UploadError(
                'hash-mismatch',
                `Part ${index + 1}: the stored part's ETag is not its MD5; sending it again`,
                { retryable: true },
              )
            }
          }
          const at = ctx.clock.now()
          ctx.tuner.record({ ok: true, bytes: part.end - start, ms: at - sentAt, at })
          ackRequest(job.counts, index, part.end - start)
          server.partial.delete(index)
          server.acked.set(index, { index, size: part.end - part.start, etag: receipt.etag })
        } catch (error) {
          if (!signal.aborted) dropRequest(job.counts, index)
          if (partial > 0 && error instanceof UploadError && error.status === 409) {
            // The server holds another prefix than its status said (it restarted, another
            // request wrote since): the next attempt sends the whole part.
            server.partial.delete(index)
            job.counts.acked = Math.max(0, job.counts.acked - partial)
            job.counts.resent += partial
          }
          throw attemptSignal.aborted ? error : await orFileProblem(job, error)
        }
        if (job.status.state === 'uploading' && job.status.retrying) {
          setStatus(ctx, job, { state: 'uploading', retrying: false })
        }
        saveRecord(ctx, job)
        ctx.changed(job, 'progress')
      },
    })
    ctx.emit('part-uploaded', {
      upload: ctx.snapshot(job),
      part: server.acked.get(index)!,
      durationMs: ctx.clock.now() - startedAt,
      attempts,
    })
  }

  let failure: unknown
  const limit = capabilities.parallel ? options.concurrency : 1
  const active = new Set<Promise<void>>()
  // Lanes come and go with the tuner's advice (within the limit); each takes the next
  // pending part until none is left.
  const lane = async () => {
    try {
      while (cursor < pending.length && !lanes.signal.aborted) {
        await sendOne(pending[cursor++])
        spawn()
        if (active.size > ctx.tuner.lanes(limit)) return
      }
    } catch (error) {
      // The first failure stops the siblings now, not after they drained the queue.
      failure ??= error
      lanes.abort(error)
    }
  }
  const spawn = () => {
    const wanted = Math.min(ctx.tuner.lanes(limit), limit)
    while (!lanes.signal.aborted && cursor < pending.length && active.size < wanted) {
      const running: Promise<void> = lane().finally(() => active.delete(running))
      active.add(running)
    }
  }
  spawn()
  while (active.size > 0) await Promise.all(active)
  link.unlink()
  if (signal.aborted) throw abortError(signal)
  if (failure !== undefined) throw toUploadError(failure)
}

/** Sends whatever the server lacks, by the fastest path available. */
export async function sendAll(ctx: FlowContext, job: Job, server: ServerSide, signal: AbortSignal) {
  setStatus(ctx, job, { state: 'uploading', retrying: false })
  const nothingSent =
    server.acked.size === 0 && server.partial.size === 0 && rawBytes(job.counts) === 0
  if (ctx.options.stream && ctx.protocol.uploadStream && nothingSent && job.info.size > 0) {
    await sendStream(ctx, job, server, signal)
  }
  if (server.acked.size < server.plan.count) {
    // A protocol may learn only while creating that the server checks part MD5s (tus
    // learns its extensions then): hash parts from here on if so.
    if (!job.digests && ctx.protocol.capabilities.partChecksum === 'md5' && ctx.hasher) {
      job.digests = createPartDigests(ctx.hasher, job.file, signal)
    }
    await sendParts(ctx, job, server, signal)
  }
  if (server.acked.size < server.plan.count) {
    throw new UploadError('protocol', 'The server did not acknowledge every part', {
      retryable: false,
    })
  }
}
