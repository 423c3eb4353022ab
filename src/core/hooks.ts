/**
 * The app's hook before a file is added: `beforeAdd(file, context)` runs for each file that
 * passed the restrictions, synchronously. Returning `false` (or throwing) refuses the file
 * with a `file-refused` error carrying the app's reason; returning `{ metadata }` adds
 * metadata for this file (on top of the `metadata` option and `add`'s).
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

/** The `file-refused` error of one file. */
export function fileRefused(file: FileInfo, reason: string, cause?: unknown): UploadError {
  return new UploadError('file-refused', `${file.name} was refused by beforeAdd: ${reason}`, {
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
