/**
 * The app's hooks around a file. `beforeAdd(file, context)` runs for each file that passed
 * the restrictions, synchronously. Returning `false` (or throwing) refuses the file with a
 * `file-refused` error carrying the app's reason; returning `{ metadata }` adds metadata for
 * this file (on top of the `metadata` option and `add`'s). `beforeUpload(file, context)` runs
 * once per upload, asynchronously, before its first byte is hashed or sent (run in
 * `run/before-upload.ts`): it may refuse the file the same way, or replace what is sent.
 */
import { UploadError } from './errors'
import type { UploadMetadata } from './metadata'
import type { FileInfo } from './types'

/** What `beforeAdd` is told besides the file. */
export interface BeforeAddContext {
  /** The Blob or File itself (for a peek at its bytes, e.g. by an async check later). */
  readonly blob: Blob
  /** Files already in the list that are not finished, canceled or failed. */
  readonly liveCount: number
}

/**
 * What `beforeAdd` may answer: nothing or `true` (add the file), `false` (refuse it),
 * a string (refuse it with this reason shown to the user), or `{ metadata }`.
 */
export type BeforeAddAnswer = void | boolean | string | { readonly metadata?: UploadMetadata }

/** The `beforeAdd` option. */
export type BeforeAddHook = (file: FileInfo, context: BeforeAddContext) => BeforeAddAnswer

/** What `beforeUpload` is told besides the file. */
export interface BeforeUploadContext {
  /** The Blob or File that would be sent (read it, compress it, encrypt it). */
  readonly blob: Blob
  /**
   * Aborted when the upload is paused or canceled (or the uploader destroyed) while the hook
   * runs: pass it to `fetch` and the like. The engine does not wait for a hook it aborted.
   */
  readonly signal: AbortSignal
}

/**
 * What `beforeUpload` may answer: nothing or `true` (send the file as it is), `false`
 * (refuse it), a string (refuse it with this reason shown to the user), or `{ blob,
 * metadata }`: `blob` is sent instead of the file (its size, type, fingerprint and hash are
 * the new blob's), `metadata` is added to the file's metadata.
 */
export type BeforeUploadAnswer =
  void | boolean | string | { readonly blob?: Blob; readonly metadata?: UploadMetadata }

/** The `beforeUpload` option. */
export type BeforeUploadHook = (
  file: FileInfo,
  context: BeforeUploadContext,
) => BeforeUploadAnswer | Promise<BeforeUploadAnswer>

/** The `file-refused` error of one file; `hook` names the hook that refused it. */
export function fileRefused(
  file: FileInfo,
  reason: string,
  cause?: unknown,
  hook: 'beforeAdd' | 'beforeUpload' = 'beforeAdd',
): UploadError {
  return new UploadError('file-refused', `${file.name} was refused by ${hook}: ${reason}`, {
    retryable: false,
    cause,
    params: { name: file.name, reason },
  })
}

/**
 * Runs the hook for one file: the error refusing it, or the metadata it added (possibly
 * none). A hook that is not a function is ignored (the options check reports it).
 */
export function runBeforeAdd(
  hook: BeforeAddHook | undefined,
  file: FileInfo,
  context: BeforeAddContext,
): { error: UploadError } | { metadata?: UploadMetadata; error?: undefined } {
  if (typeof hook !== 'function') return {}
  let answer: BeforeAddAnswer
  try {
    answer = hook(file, context)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return { error: fileRefused(file, reason, error) }
  }
  if (answer === false) return { error: fileRefused(file, 'refused') }
  if (typeof answer === 'string') return { error: fileRefused(file, answer) }
  if (typeof answer === 'object' && answer !== null) return { metadata: answer.metadata }
  return {}
}
