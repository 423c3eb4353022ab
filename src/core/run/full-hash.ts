import { abortError, toUploadError } from '../errors'
import type { Job } from './job'
import { saveRecord, type FlowContext } from './run-context'

/**
 * Starts the full MD5 in the background, alongside the upload: the transfer never waits
 * for it, only `complete` (to let the server verify) and an instant-upload claim do.
 * A pause leaves it running (it is local work that a resume will need); cancel stops it.
 */
export function startHashing(ctx: FlowContext, job: Job): void {
  const { hasher } = ctx
  const hash = job.hash
  if (!hasher || hash.status.state === 'off' || hash.status.state === 'done' || hash.promise) return
  if (!wantsFileHash(ctx)) {
    hash.status = { state: 'off', bytes: 0 }
    return
  }
  const controller = new AbortController()
  const startedAt = ctx.clock.now()
  hash.controller = controller
  hash.status = { state: 'hashing', bytes: 0 }
  ctx.changed(job, 'state')
  hash.promise = hasher
    .md5(job.file, {
      signal: controller.signal,
      onProgress: (bytes) => {
        hash.status = { state: 'hashing', bytes }
        ctx.changed(job, 'progress')
      },
      onWarning: (error) => ctx.emit('warning', { error }),
    })
    .then(
      (value) => {
        hash.status = { state: 'done', bytes: job.info.size, value }
        hash.controller = undefined
        saveRecord(ctx, job)
        ctx.changed(job, 'state')
        ctx.emit('upload-hashed', {
          upload: ctx.snapshot(job),
          hash: value,
          durationMs: ctx.clock.now() - startedAt,
        })
        return value
      },
      (error: unknown) => {
        hash.controller = undefined
        hash.promise = undefined
        if (controller.signal.aborted) {
          hash.status = { state: 'idle', bytes: 0 }
          return undefined
        }
        hash.status = { state: 'error', bytes: hash.status.bytes }
        ctx.changed(job, 'state')
        throw toUploadError(error, 'file-unreadable')
      },
    )
  // The flow awaits it later; until then a failure must not surface as unhandled.
  hash.promise.catch(() => {})
}

/** The full hash is only worth its CPU when the server verifies it or can claim by it. */
export function wantsFileHash(ctx: FlowContext): boolean {
  return ctx.protocol.capabilities.verifiesFileHash !== false || ctx.protocol.claim !== undefined
}

export function stopHashing(job: Job): void {
  job.hash.controller?.abort()
}

/** Waits for the running hash, or returns the known one; rejects if `signal` aborts first. */
export async function awaitHash(job: Job, signal: AbortSignal): Promise<string | undefined> {
  if (job.hash.status.value) return job.hash.status.value
  const pending = job.hash.promise
  if (!pending) return undefined
  return new Promise<string | undefined>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
