import { tryOnScopeDispose } from '@vueuse/core'
import { computed, provide, shallowRef, type ComputedRef, type ShallowRef } from 'vue'
import { isActive, isLive } from '../core/status/status-machine'
import type {
  AddOptions,
  AddResult,
  FileInfo,
  Restrictions,
  TabUpload,
  TotalProgress,
  UploadError,
  UploadEvents,
  Uploader,
  UploadSnapshot,
} from '../core'
import {
  createUploadContext,
  injectUploadContext,
  UploadContextKey,
  type UploadContext,
} from './context'
import { mergeOptions, restrictionValues, type UploadOptions } from './options'
import { resolveContext } from './resolve-context'
import { createMessages } from './use-upload-messages'

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

/**
 * Registers `handler` for one engine event until the calling scope (component, effect
 * scope) is disposed, or until the returned function is called.
 */
export type UploadEventHook<K extends keyof UploadEvents> = (
  handler: (payload: UploadEvents[K]) => void,
) => () => void

/** What {@link useChunkedUpload} returns: reactive state as refs, the verbs and event hooks. */
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
  /**
   * The restrictions the next `add` checks (the engine's `getRestrictions()`; the options'
   * values on the server): what a dropzone's `accept` and hints show.
   */
  readonly restrictions: ComputedRef<Restrictions>
  /**
   * Adds files; an empty result (nothing added) on the server or without an engine.
   * `options.handles` keeps File System Access handles for resuming without a dialog.
   */
  add(files: Blob | Iterable<Blob> | ArrayLike<Blob>, options?: AddOptions): AddResult
  /** Starts queued uploads (with `autoStart: false`); all when no id is given. */
  start(id?: string): void
  /** Pauses one upload, or all. */
  pause(id?: string): void
  /** Resumes one paused upload, or all. */
  resume(id?: string): void
  /** Stops the upload, deletes it on the server and forgets its resume record; all when no id. */
  cancel(id?: string): Promise<void>
  /** Tries a failed upload again, continuing from what the server holds; all when no id. */
  retry(id?: string): void
  /** Cancels if needed and removes the upload from the list. */
  remove(id: string): Promise<void>
  /**
   * Removes every done or canceled upload from the list ("clear finished"); failed ones
   * stay, since they can still be retried.
   */
  removeFinished(): Promise<void>
  /** A file was added (`file-added`). */
  readonly onFileAdded: UploadEventHook<'file-added'>
  /** A file was refused by a restriction or a check (`file-rejected`). */
  readonly onFileRejected: UploadEventHook<'file-rejected'>
  /** An upload started sending, fresh or resumed (`upload-started`). */
  readonly onUploadStarted: UploadEventHook<'upload-started'>
  /** Bytes moved (`upload-progress`, at most every `progressIntervalMs`). */
  readonly onUploadProgress: UploadEventHook<'upload-progress'>
  /** An upload paused: by the user, offline, or running in another tab (`upload-paused`). */
  readonly onUploadPaused: UploadEventHook<'upload-paused'>
  /** A paused upload goes on (`upload-resumed`). */
  readonly onUploadResumed: UploadEventHook<'upload-resumed'>
  /** A request failed and will be tried again after `delayMs` (`upload-retry`). */
  readonly onUploadRetry: UploadEventHook<'upload-retry'>
  /** The full MD5 of a file is known (`upload-hashed`). */
  readonly onUploadHashed: UploadEventHook<'upload-hashed'>
  /** An upload finished and the server confirmed it (`upload-success`). */
  readonly onUploadSuccess: UploadEventHook<'upload-success'>
  /** An upload failed for good (`upload-error`); `retry` can still continue it. */
  readonly onUploadError: UploadEventHook<'upload-error'>
  /** An upload was canceled (`upload-canceled`). */
  readonly onUploadCanceled: UploadEventHook<'upload-canceled'>
  /** Something degraded without failing an upload (`warning`: storage unavailable, …). */
  readonly onWarning: UploadEventHook<'warning'>
  /** The options in effect (the plugin's, then the provider's, then these). */
  readonly options: Readonly<UploadOptions>
  /** The engine, created now if needed; undefined on the server. */
  getUploader(): Uploader | undefined
}

/**
 * The headless composable: reactive uploads, progress, speed, ETA and errors, the verbs,
 * and event hooks that remove themselves with the calling scope. Without a `protocol` (or
 * `uploader`) it uses the engine provided by `app.use(UploadPlugin, …)` or
 * `provideChunkedUpload()`; with one, it owns an engine of its own, destroyed with the
 * calling scope. SSR-safe: nothing touches `window`, `indexedDB` or `Worker` until it runs
 * on the client. Pending records of earlier visits: `usePendingUploads()`; texts:
 * `useUploadMessages()`.
 */
export function useChunkedUpload(options: UseChunkedUploadOptions = {}): UseChunkedUploadReturn {
  const { context, effective } = resolveContext(options, 'useChunkedUpload')
  return chunkedUploadOf(context, effective)
}

/**
 * Provides an engine to this component's descendants (an upload area with its own backend
 * or settings) and returns what `useChunkedUpload()` returns for it, so the providing
 * component can use the engine too. Options not given are taken from
 * `app.use(UploadPlugin, options)`. The engine is destroyed when the component unmounts;
 * resume records stay.
 */
export function provideChunkedUpload(options: UploadOptions = {}): UseChunkedUploadReturn {
  const parent = injectUploadContext()
  const context = createUploadContext(mergeOptions(parent?.options, options))
  provide(UploadContextKey, context)
  tryOnScopeDispose(context.dispose)
  context.connect()
  return chunkedUploadOf(context, context.options)
}

function chunkedUploadOf(context: UploadContext, effective: UploadOptions): UseChunkedUploadReturn {
  const snapshot = context.snapshot
  const rejected = shallowRef<readonly RejectedFile[]>([])
  const { message } = createMessages(effective)

  const uploads = computed(() => snapshot.value.uploads)
  const total = computed(() => snapshot.value.total)
  const errors = computed<readonly FailedUpload[]>(() =>
    uploads.value.flatMap((upload) =>
      upload.status.state === 'error'
        ? [{ upload, error: upload.status.error, message: message(upload.status.error) }]
        : [],
    ),
  )

  const currentRestrictions = (): Restrictions => {
    const uploader = context.connect()
    if (!uploader) return restrictionValues(effective)
    try {
      return uploader.getRestrictions()
    } catch {
      // An unusable value: `add` refuses every file with `invalid-option`, which says so.
      return {}
    }
  }

  const withEngine =
    <A extends unknown[], R>(fn: (uploader: Uploader, ...args: A) => R, fallback: R) =>
    (...args: A): R => {
      const uploader = context.connect()
      return uploader ? fn(uploader, ...args) : fallback
    }

  const hook =
    <K extends keyof UploadEvents>(event: K): UploadEventHook<K> =>
    (handler) => {
      // No engine on the server: nothing is emitted there, so nothing to listen to.
      const off = context.connect()?.on(event, handler) ?? (() => {})
      tryOnScopeDispose(off)
      return off
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
    restrictions: computed<Restrictions>((previous) => {
      // A new snapshot follows `setRestrictions`; getters reading refs are tracked here.
      void snapshot.value
      const next = currentRestrictions()
      // The same values keep the same object: what reads them (a dropzone's hints) is not
      // re-rendered by every snapshot.
      return previous && sameRestrictions(previous, next) ? previous : next
    }),
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
    onFileAdded: hook('file-added'),
    onFileRejected: hook('file-rejected'),
    onUploadStarted: hook('upload-started'),
    onUploadProgress: hook('upload-progress'),
    onUploadPaused: hook('upload-paused'),
    onUploadResumed: hook('upload-resumed'),
    onUploadRetry: hook('upload-retry'),
    onUploadHashed: hook('upload-hashed'),
    onUploadSuccess: hook('upload-success'),
    onUploadError: hook('upload-error'),
    onUploadCanceled: hook('upload-canceled'),
    onWarning: hook('warning'),
    options: effective,
    getUploader: () => context.connect(),
  }
}

/** Same restriction values (an `accept` list compared item by item). */
function sameRestrictions(a: Restrictions, b: Restrictions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof Restrictions)[])
  for (const key of keys) {
    const x = a[key]
    const y = b[key]
    if (Object.is(x, y)) continue
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false
    if (x.some((item, i) => item !== y[i])) return false
  }
  return true
}
