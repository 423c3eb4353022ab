import { tryOnScopeDispose } from '@vueuse/core'
import { computed, shallowRef, toValue, type ComputedRef, type ShallowRef } from 'vue'
import { toUploadError, UploadError as UploadErrorClass } from '../core'
import { isActive, isLive } from '../core/status/status-machine'
import type {
  AddOptions,
  AddResult,
  FileInfo,
  PendingUpload,
  TabUpload,
  TotalProgress,
  UploadError,
  Uploader,
  UploadSnapshot,
} from '../core'
import {
  formatDuration,
  formatError,
  formatMessage,
  type LocaleName,
  type MessageOverrides,
  type UiMessages,
} from '../locales'
import { createUploadContext, injectUploadContext, type UploadContext } from './context'
import { isFileHandle, readHandle } from './file-handle'
import { hasEngine, mergeOptions, type UploadOptions } from './options'

/** Options of {@link useChunkedUpload}: {@link UploadOptions}, merged over the provided ones. */
export type UseChunkedUploadOptions = UploadOptions

/** A file the engine refused, with its message in the chosen locale. */
export interface RejectedFile {
  readonly file: FileInfo
  readonly error: UploadError
  readonly message: string
}

/** A failed upload, with its message in the chosen locale. */
export interface FailedUpload {
  readonly upload: UploadSnapshot
  readonly error: UploadError
  readonly message: string
}

/** What resuming a pending upload did: started, or refused with a localized message. */
export type PendingResumeResult =
  | { readonly ok: true; readonly upload: UploadSnapshot }
  | { readonly ok: false; readonly error: UploadError; readonly message: string }

/** What {@link useChunkedUpload} returns: reactive state as refs, and the verbs. */
export interface UseChunkedUploadReturn {
  /** Every upload, in the order added; each an immutable snapshot from the engine. */
  readonly uploads: ComputedRef<readonly UploadSnapshot[]>
  /** Bytes, progress (0..1), speed and ETA over all uploads. */
  readonly total: ComputedRef<TotalProgress>
  /** Total progress, 0..1. */
  readonly progress: ComputedRef<number>
  /** Total speed in bytes per second (smoothed). */
  readonly speed: ComputedRef<number>
  /** Total seconds left, when known. */
  readonly eta: ComputedRef<number | undefined>
  /**
   * False while the browser is offline, or while requests keep failing although it says
   * online; uploads pause meanwhile and resume by themselves.
   */
  readonly online: ComputedRef<boolean>
  /** Uploads other tabs of this site are running, with their progress (cross-tab on). */
  readonly elsewhere: ComputedRef<readonly TabUpload[]>
  /** True while any upload is preparing, hashing, uploading or completing. */
  readonly isUploading: ComputedRef<boolean>
  /** Uploads that failed, with localized messages. */
  readonly errors: ComputedRef<readonly FailedUpload[]>
  /** Files refused by the last `add` (type, size, count), with localized messages. */
  readonly rejected: Readonly<ShallowRef<readonly RejectedFile[]>>
  /** Uploads from earlier visits that can be resumed (not dismissed with `later`). */
  readonly pending: Readonly<ShallowRef<readonly PendingUpload[]>>
  /**
   * Adds files; an empty result (nothing added) on the server or without an engine.
   * `options.handles` keeps File System Access handles for resuming without a dialog.
   */
  add(files: Blob | Iterable<Blob> | ArrayLike<Blob>, options?: AddOptions): AddResult
  start(id?: string): void
  pause(id?: string): void
  resume(id?: string): void
  cancel(id?: string): Promise<void>
  retry(id?: string): void
  remove(id: string): Promise<void>
  /**
   * Removes every done or canceled upload from the list ("clear finished"); failed ones
   * stay, since they can still be retried.
   */
  removeFinished(): Promise<void>
  /** Reads the pending records again. */
  refreshPending(): Promise<void>
  /**
   * Clear: deletes a pending upload on the server and forgets its record. Resolves `false`
   * when the server could not be reached: the record is kept as `clearing` and retried on
   * the next read (next visit, back online).
   */
  clear(key: string): Promise<boolean>
  /** Later: hides a pending upload for this page's life; everything is kept. */
  later(key: string): void
  /** How many pending uploads are hidden by `later`. */
  readonly hiddenCount: Readonly<ShallowRef<number>>
  /** Shows the pending uploads hidden by `later` again. */
  reopen(): void
  /** Whether a pending upload can resume without a file dialog (a kept file handle). */
  canResume(record: PendingUpload): boolean
  /**
   * Resume without a dialog: reads the file from its kept handle (asking for permission
   * again; call it from a click), checks it and resumes. Refused with `permission-denied`,
   * `file-unreadable`, `file-changed` or `file-mismatch`: fall back to `reselect`.
   */
  resumePending(key: string): Promise<PendingResumeResult>
  /**
   * Reselect: checks the picked file against the record (name and size, then the sampled
   * fingerprint, then the MD5 when known) and resumes. A different file is refused with
   * `file-mismatch`; nothing is sent, deleted or overwritten.
   */
  reselect(key: string, file: File, handle?: unknown): Promise<PendingResumeResult>
  /** An error's end-user message in the chosen locale (never a raw status or stack). */
  message(error: Pick<UploadError, 'code' | 'params'>): string
  /** A component text in the chosen locale, with `{param}`s filled in. */
  t(key: keyof UiMessages, params?: Record<string, string | number>): string
  /** Seconds left for people (`45 s`, `3 min`), in the chosen locale. */
  duration(seconds: number): string
  /** The chosen locale. */
  readonly locale: ComputedRef<LocaleName>
  /** The options in effect (the plugin's, then the provider's, then these). */
  readonly options: Readonly<UploadOptions>
  /** The engine, created now if needed; undefined on the server. */
  getUploader(): Uploader | undefined
}

/**
 * The headless composable: reactive uploads, progress, speed, ETA, errors and pending
 * records, plus the verbs. Without a `protocol` (or `uploader`) it uses the engine provided
 * by `app.use(UploadPlugin, …)` or `provideChunkedUpload()`; with one, it owns an engine of
 * its own, destroyed with the calling scope. SSR-safe: nothing touches `window`,
 * `indexedDB` or `Worker` until it runs on the client.
 */
export function useChunkedUpload(options: UseChunkedUploadOptions = {}): UseChunkedUploadReturn {
  const provided = injectUploadContext()
  let context: UploadContext
  if (hasEngine(options) || !provided || !hasEngine(provided.options)) {
    const merged = mergeOptions(provided?.options, options)
    if (!hasEngine(merged)) {
      throw new Error(
        '[vue-chunked-upload] useChunkedUpload() has no backend: pass `protocol` to ' +
          'app.use(UploadPlugin, { protocol }), provideChunkedUpload({ protocol }) or ' +
          'useChunkedUpload({ protocol }). See ' +
          'https://github.com/vue-chunked-upload/vue-chunked-upload/blob/main/docs/vue.md',
      )
    }
    context = createUploadContext(merged)
    tryOnScopeDispose(context.dispose)
  } else {
    // Options other than the engine's (locale, messages) still apply to this caller.
    context = provided
  }
  const effective = mergeOptions(context.options, hasEngine(options) ? undefined : options)
  context.connect()

  const snapshot = context.snapshot
  const rejected = shallowRef<readonly RejectedFile[]>([])
  const locale = computed<LocaleName>(() => toValue(effective.locale) ?? 'en')
  const overrides = (): MessageOverrides => toValue(effective.messages) ?? {}

  const message = (error: Pick<UploadError, 'code' | 'params'>) =>
    formatError(error, locale.value, overrides())
  const t = (key: keyof UiMessages, params?: Record<string, string | number>) =>
    formatMessage(key, params, locale.value, overrides())

  const uploads = computed(() => snapshot.value.uploads)
  const total = computed(() => snapshot.value.total)
  const errors = computed<readonly FailedUpload[]>(() =>
    uploads.value.flatMap((upload) =>
      upload.status.state === 'error'
        ? [{ upload, error: upload.status.error, message: message(upload.status.error) }]
        : [],
    ),
  )

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

  async function reselect(key: string, file: File, handle?: unknown) {
    const uploader = context.connect()
    if (!uploader) return outcome(undefined)
    return outcome(await uploader.resumeFrom(key, file, { handle }))
  }

  async function resumePending(key: string): Promise<PendingResumeResult> {
    const record = context.pending.value.find((p) => p.key === key)
    if (!record) {
      return outcome({
        error: new UploadErrorClass('not-found', 'No pending upload with this key', {
          retryable: false,
        }),
      })
    }
    try {
      const file = await readHandle(record.handle, record.file)
      return await reselect(key, file, record.handle)
    } catch (error) {
      return outcome({ error: toUploadError(error, 'file-unreadable') })
    }
  }

  const withEngine =
    <A extends unknown[], R>(fn: (uploader: Uploader, ...args: A) => R, fallback: R) =>
    (...args: A): R => {
      const uploader = context.connect()
      return uploader ? fn(uploader, ...args) : fallback
    }

  return {
    uploads,
    total,
    progress: computed(() => total.value.progress),
    speed: computed(() => total.value.speed),
    eta: computed(() => total.value.eta),
    online: computed(() => snapshot.value.online),
    elsewhere: computed(() => snapshot.value.elsewhere),
    isUploading: computed(() => uploads.value.some((u) => isActive(u.status.state))),
    errors,
    rejected,
    pending: context.pending,
    add: withEngine(
      (uploader, files: Blob | Iterable<Blob> | ArrayLike<Blob>, addOptions?: AddOptions) => {
        const result = uploader.add(files, addOptions)
        rejected.value = result.rejected.map(({ file, error }) => ({
          file,
          error,
          message: message(error),
        }))
        return result
      },
      { added: [], rejected: [] } as AddResult,
    ),
    start: withEngine((uploader, id?: string) => uploader.start(id), undefined),
    pause: withEngine((uploader, id?: string) => uploader.pause(id), undefined),
    resume: withEngine((uploader, id?: string) => uploader.resume(id), undefined),
    retry: withEngine((uploader, id?: string) => uploader.retry(id), undefined),
    cancel: withEngine((uploader, id?: string) => uploader.cancel(id), Promise.resolve()),
    remove: withEngine((uploader, id: string) => uploader.remove(id), Promise.resolve()),
    removeFinished: withEngine(async (uploader) => {
      const finished = uploader.getSnapshot().uploads.filter((u) => !isLive(u.status.state))
      await Promise.all(finished.map((u) => uploader.remove(u.id)))
    }, Promise.resolve()),
    refreshPending: () => context.refreshPending(),
    clear: withEngine(async (uploader, key: string) => {
      const cleared = await uploader.discard(key)
      await context.refreshPending()
      return cleared
    }, Promise.resolve(false)),
    later: (key) => context.dismiss(key),
    hiddenCount: context.hidden,
    reopen: () => context.reopen(),
    canResume: (record) => !record.clearing && isFileHandle(record.handle),
    resumePending,
    reselect,
    message,
    t,
    duration: (seconds) => formatDuration(seconds, locale.value, overrides()),
    locale,
    options: effective,
    getUploader: () => context.connect(),
  }
}
