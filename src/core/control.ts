import type { FlowContext } from './job'
import type { ChunkPlan, ProtocolContext, RemoteUpload, ServerState } from './types'

/** Control requests go first: they unblock whole files, parts only bytes. */
export const CONTROL_PRIORITY = 1

/**
 * Runs one control call (create, status, claim, complete, abort) through the scheduler,
 * ahead of parts, on the transport with the control timeout.
 */
export function runControl<T>(
  ctx: FlowContext,
  owner: string,
  signal: AbortSignal,
  call: (context: ProtocolContext) => Promise<T>,
  retry = true,
): Promise<T> {
  return ctx.scheduler.run({
    owner,
    priority: CONTROL_PRIORITY,
    signal,
    retry,
    run: (attemptSignal) =>
      call({ transport: ctx.control, clock: ctx.clock, signal: attemptSignal }),
  })
}

interface Target {
  readonly remote: RemoteUpload
  readonly plan: ChunkPlan
}

/** What the server holds for this upload. */
export function askStatus(
  ctx: FlowContext,
  owner: string,
  target: Target,
  signal: AbortSignal,
): Promise<ServerState> {
  return runControl(ctx, owner, signal, (c) =>
    ctx.protocol.status({ ...c, remote: target.remote, plan: target.plan }),
  )
}

/**
 * Deletes the server-side upload; not tied to any run, so a pause cannot stop it. With
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
    new AbortController().signal,
    (c) => ctx.protocol.abort({ ...c, remote: target.remote, plan: target.plan }),
    retry,
  )
}
