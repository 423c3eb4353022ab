/**
 * The app's `beforeUpload` hook in a run: once per upload, before its first byte is hashed or
 * sent. It may refuse the file (`file-refused`), add metadata, or hand back another blob to
 * send instead (a compressed image, an encrypted file): from then on the job's file and
 * info are the new blob's, so the plan, fingerprint, resume key, hash and progress follow it.
 */
import { abortError, UploadError } from '../errors'
import { fileRefused, type BeforeUploadAnswer } from '../hooks'
import { resolveMetadata } from '../metadata'
import type { Job } from './job'
import type { FlowContext } from './run-context'

/**
 * Runs the hook for `job` unless an earlier run of the same job already did (a resumed
 * upload is not asked again). Rejects with the file's error when the hook refuses it, throws,
 * or answers something unusable, and with the abort error when `signal` aborts first (the
 * hook's promise is then left to settle on its own).
 */
export async function runBeforeUpload(
  ctx: FlowContext,
  job: Job,
  signal: AbortSignal,
): Promise<void> {
  const hook = ctx.beforeUpload
  if (typeof hook !== 'function' || job.beforeUploadDone) return
  const info = job.info
  let answer: BeforeUploadAnswer
  try {
    answer = await untilAborted(
      Promise.resolve().then(() => hook(info, { blob: job.file, signal })),
      signal,
    )
  } catch (error) {
    if (signal.aborted) throw abortError(signal)
    if (error instanceof UploadError) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw fileRefused(info, reason, error, 'beforeUpload')
  }
  if (signal.aborted) throw abortError(signal)
  if (answer === false) throw fileRefused(info, 'refused', undefined, 'beforeUpload')
  if (typeof answer === 'string') throw fileRefused(info, answer, undefined, 'beforeUpload')
  if (typeof answer === 'object' && answer !== null) {
    const { blob, metadata } = answer
    if (blob !== undefined && !(blob instanceof Blob)) {
      throw fileRefused(
        info,
        'beforeUpload answered a blob that is not a Blob',
        undefined,
        'beforeUpload',
      )
    }
    if (metadata !== undefined) job.metadata = resolveMetadata(info, job.metadata, metadata)
    if (blob !== undefined && blob !== job.file) {
      job.file = blob
      job.info = {
        name: info.name,
        size: blob.size,
        type: blob.type || info.type,
        lastModified: blob instanceof File ? blob.lastModified : info.lastModified,
      }
      ctx.changed(job, 'state')
    }
  }
  job.beforeUploadDone = true
}

/** `promise`, or the abort error as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
