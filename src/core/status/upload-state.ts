import type { UploadError } from '../errors'
import type { AckedPart, FileInfo, TabUpload, UploadResult } from '../types'

/**
 * Why an upload is paused: the user paused it; the network is gone (the browser says so,
 * or requests keep failing); or another tab is uploading the same file (it takes over
 * when that tab closes or stops).
 */
export type PauseReason = 'user' | 'offline' | 'elsewhere'

/** Where one upload stands. The engine owns it; bindings mirror it and never rebuild it. */
export type UploadStatus =
  /** Added with `autoStart` off: waits for `start()`. */
  | { readonly state: 'idle' }
  | { readonly state: 'queued' }
  /** Identifying the file and creating or finding the server-side upload. */
  | { readonly state: 'preparing' }
  /** Waiting for the full hash (instant-upload check, or verification before complete). */
  | { readonly state: 'hashing' }
  | { readonly state: 'uploading'; readonly retrying: boolean }
  | { readonly state: 'paused'; readonly reason: PauseReason }
  | { readonly state: 'completing' }
  | { readonly state: 'done'; readonly result: UploadResult }
  | { readonly state: 'error'; readonly error: UploadError }
  | { readonly state: 'canceled' }

export type UploadState = UploadStatus['state']

export interface HashStatus {
  readonly state: 'off' | 'idle' | 'hashing' | 'done' | 'error'
  readonly bytes: number
  /** MD5, lower-case hex, once known. */
  readonly value?: string
}

/** An immutable view of one upload; a new object whenever something in it changes. */
export interface UploadSnapshot {
  readonly id: string
  readonly file: FileInfo
  readonly status: UploadStatus
  /**
   * Bytes shown as uploaded: never above the size, and never decreasing except once per
   * restart: when the server has forgotten the upload (it expired or was deleted there), it
   * starts over from byte 0, this drops to 0 and `restarted` turns true.
   */
  readonly bytesUploaded: number
  /** 0..1 */
  readonly progress: number
  /** Bytes per second, smoothed. */
  readonly speed: number
  /** Seconds left, when known. */
  readonly eta: number | undefined
  readonly hash: HashStatus
  /** Failed attempts that were retried. */
  readonly retries: number
  /** Bytes sent more than once (retries, cut requests). */
  readonly bytesResent: number
  /** True when the upload continued one created earlier (this visit or a previous one). */
  readonly resumed: boolean
  /**
   * True once the server had forgotten the upload and it started over from byte 0: the
   * one case where `bytesUploaded` went back (to 0). A UI can say "the server lost the
   * upload, sending again" instead of showing a bar that jumps back unexplained.
   */
  readonly restarted: boolean
  readonly addedAt: number
  readonly startedAt: number | undefined
  readonly finishedAt: number | undefined
}

export interface TotalProgress {
  readonly bytesUploaded: number
  readonly size: number
  readonly progress: number
  readonly speed: number
  readonly eta: number | undefined
}

export interface UploaderSnapshot {
  readonly uploads: readonly UploadSnapshot[]
  readonly total: TotalProgress
  /**
   * False while the browser says it is offline, or while requests keep failing with
   * network errors although it says it is online (the engine then probes with backoff).
   */
  readonly online: boolean
  /** Requests in flight across all files. */
  readonly activeRequests: number
  /** Uploads other tabs of this site are running (empty without a `peers` channel). */
  readonly elsewhere: readonly TabUpload[]
}

/**
 * Events, with what monitoring needs: durations, retries, bytes re-sent, resumes. Enough
 * to report success rate, average time by size, and interruption and resume rates.
 */
export interface UploadEvents {
  /** The records `pending()` lists changed outside any upload (a delayed clear went through). */
  'pending-changed': Record<string, never>
  'file-added': { readonly upload: UploadSnapshot }
  'file-rejected': { readonly file: FileInfo; readonly error: UploadError }
  'upload-started': {
    readonly upload: UploadSnapshot
    readonly resumed: boolean
    /** Bytes the server already held. */
    readonly bytesAlreadyUploaded: number
  }
  'part-uploaded': {
    readonly upload: UploadSnapshot
    readonly part: AckedPart
    readonly durationMs: number
    readonly attempts: number
  }
  'upload-retry': {
    readonly upload: UploadSnapshot
    readonly error: UploadError
    readonly attempt: number
    readonly delayMs: number
  }
  'upload-progress': { readonly upload: UploadSnapshot }
  'upload-paused': { readonly upload: UploadSnapshot; readonly reason: PauseReason }
  'upload-resumed': { readonly upload: UploadSnapshot }
  'upload-hashed': {
    readonly upload: UploadSnapshot
    readonly hash: string
    readonly durationMs: number
  }
  'upload-success': {
    readonly upload: UploadSnapshot
    readonly result: UploadResult
    readonly durationMs: number
    readonly retries: number
    readonly bytesResent: number
    readonly resumed: boolean
    readonly instant: boolean
  }
  'upload-error': {
    readonly upload: UploadSnapshot
    readonly error: UploadError
    readonly durationMs: number
    readonly retries: number
  }
  'upload-canceled': { readonly upload: UploadSnapshot }
  /** Something degraded without failing an upload (resume storage unavailable, …). */
  warning: { readonly error: UploadError }
}
