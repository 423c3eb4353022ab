import type { Job } from './job'
import type { FlowContext } from './run-context'
import type { AckedPart, ChunkPlan, ProtocolContext, RemoteUpload, ServerState } from '../types'

/** Control requests go first: they unblock whole files, parts only bytes. */
export const CONTROL_PRIORITY = 1

/**
 * Runs one control call (create, status, claim, complete, abort) through the scheduler,
 * ahead of parts, on the transport with the control timeout. With a job as owner its
 * retries count and are announced like a part's.
 */
export function runControl<T>(
  ctx: FlowContext,
  owner: Job | string,
  signal: AbortSignal,
  call: (context: ProtocolContext) => Promise<T>,
  retry = true,
): Promise<T> {
  const job = typeof owner === 'string' ? undefined : owner
  return ctx.scheduler.run({
    owner: job?.id ?? (owner as string),
    priority: CONTROL_PRIORITY,
    signal,
    retry,
    onRetry:
      job &&
      (({ error, attempt, delayMs }) => {
        job.stats.retries++
        ctx.changed(job, 'state')
        ctx.emit('upload-retry', { upload: ctx.snapshot(job), error, attempt, delayMs })
      }),
    run: (attemptSignal) =>
      call({ transport: ctx.control, clock: ctx.clock, signal: attemptSignal }),
  })
}

interface Target {
  readonly remote: RemoteUpload
  readonly plan: ChunkPlan
  /** A running upload's acknowledged parts, by index. */
  readonly acked?: ReadonlyMap<number, AckedPart>
  /** A saved record's acknowledged parts. */
  readonly parts?: readonly AckedPart[]
}

const partsOf = (target: Target): readonly AckedPart[] =>
  target.parts ?? (target.acked ? [...target.acked.values()] : [])

/** What the server holds for this upload. */
export function askStatus(
  ctx: FlowContext,
  owner: Job,
  target: Target,
  signal: AbortSignal,
): Promise<ServerState> {
  return runControl(ctx, owner, signal, (c) =>
    ctx.protocol.status({ ...c, remote: target.remote, plan: target.plan, parts: partsOf(target) }),
  )
}

/**
 * Deletes the server-side upload; not tied to any run, so a pause cannot stop it (only
 * `destroy()` does). With
 * `retry` false one attempt is made (a clear that fails is kept and tried again later).
 */
export function abortRemote(
  ctx: FlowContext,
  owner: string,
  target: Target,
  retry = true,
): Promise<void> {
  return runControl(
    ctx,
    owner,
    ctx.lifetime,
    (c) =>
      ctx.protocol.abort({
        ...c,
        remote: target.remote,
        plan: target.plan,
        parts: partsOf(target),
      }),
    retry,
  )
}
