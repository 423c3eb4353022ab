import type { ComputedRef } from 'vue'
import { computed } from 'vue'
import { toUploadError, UploadError, type PendingUpload, type UploadSnapshot } from '../core'
import type { UploadContext } from './context'
import { isFileHandle, readHandle } from './file-handle'
import type { UploadOptions } from './options'
import { resolveContext } from './resolve-context'
import { createMessages } from './use-upload-messages'

/** Options of {@link usePendingUploads}: {@link UploadOptions}, merged over the provided ones. */
export type UsePendingUploadsOptions = UploadOptions

/** What resuming a pending upload did: started, or refused with a localized message. */
export type PendingResumeResult =
  | { readonly ok: true; readonly upload: UploadSnapshot }
  | { readonly ok: false; readonly error: UploadError; readonly message: string }

/** What {@link usePendingUploads} returns: the records of earlier visits and their verbs. */
export interface UsePendingUploadsReturn {
  /** Uploads from earlier visits that can be resumed, minus the dismissed ones. */
  readonly pending: ComputedRef<readonly PendingUpload[]>
  /** Reads the pending records again. */
  refresh(): Promise<void>
  /**
   * Deletes a pending upload on the server and forgets its record. Resolves `false` when
   * the server could not be reached: the record is kept as `clearing` and tried again on
   * the next read (next visit, back online).
   */
  discard(key: string): Promise<boolean>
  /** Hides a pending upload for this page's life; everything is kept. */
  dismiss(key: string): void
  /** How many pending uploads `dismiss` hides. */
  readonly dismissedCount: ComputedRef<number>
  /** Shows the dismissed pending uploads again. */
  undismiss(): void
  /** Whether a pending upload can resume without a file dialog (a kept file handle). */
  canResume(record: PendingUpload): boolean
  /**
   * Resumes without a dialog: reads the file from its kept handle (asking for permission
   * again; call it from a click), checks it and resumes. Refused with `permission-denied`,
   * `file-unreadable`, `file-changed` or `file-mismatch`: fall back to `resumeFrom`.
   */
  resume(key: string): Promise<PendingResumeResult>
  /**
   * Resumes with the file picked again: checked against the record (name and size, then the
   * sampled fingerprint, then the MD5 when known). A different file is refused with
   * `file-mismatch`; nothing is sent, deleted or overwritten. `handle` (from the file
   * picker) is kept, so the next visit needs no dialog.
   */
  resumeFrom(
    key: string,
    file: File,
    options?: { readonly handle?: unknown },
  ): Promise<PendingResumeResult>
}

/**
 * The uploads earlier visits left unfinished, and what a "continue where you left off"
 * banner does with them (what `<ResumeBanner>` uses). Works on the same engine as
 * `useChunkedUpload()` called with the same options.
 */
export function usePendingUploads(options: UsePendingUploadsOptions = {}): UsePendingUploadsReturn {
  const { context, effective } = resolveContext(options, 'usePendingUploads')
  return pendingUploadsOf(context, createMessages(effective).message)
}

/** The pending records' verbs on one context. */
export function pendingUploadsOf(
  context: UploadContext,
  message: (error: UploadError) => string,
): UsePendingUploadsReturn {
  const outcome = (
    result: { upload?: UploadSnapshot; error?: UploadError } | undefined,
  ): PendingResumeResult => {
    if (result?.upload) {
      void context.refreshPending()
      return { ok: true, upload: result.upload }
    }
    const error = result?.error ?? toUploadError(new Error('No upload engine'), 'unsupported')
    return { ok: false, error, message: message(error) }
  }

  async function resumeFrom(key: string, file: File, options?: { readonly handle?: unknown }) {
    const uploader = context.connect()
    if (!uploader) return outcome(undefined)
    return outcome(await uploader.resumeFrom(key, file, { handle: options?.handle }))
  }

  async function resume(key: string): Promise<PendingResumeResult> {
    const record = context.pending.value.find((p) => p.key === key)
    if (!record) {
      return outcome({
        error: new UploadError('not-found', 'No pending upload with this key', {
          retryable: false,
        }),
      })
    }
    try {
      const file = await readHandle(record.handle, record.file)
      return await resumeFrom(key, file, { handle: record.handle })
    } catch (error) {
      return outcome({ error: toUploadError(error, 'file-unreadable') })
    }
  }

  return {
    pending: computed(() => context.pending.value),
    refresh: () => context.refreshPending(),
    async discard(key) {
      const uploader = context.connect()
      if (!uploader) return false
      const discarded = await uploader.discard(key)
      await context.refreshPending()
      return discarded
    },
    dismiss: (key) => context.dismiss(key),
    dismissedCount: computed(() => context.dismissedCount.value),
    undismiss: () => context.undismiss(),
    canResume: (record) => !record.clearing && isFileHandle(record.handle),
    resume,
    resumeFrom,
  }
}
