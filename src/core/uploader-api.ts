import type { AdaptiveOptions } from './adaptive'
import type { Emitter } from './emitter'
import type { UploadError } from './errors'
import type { Restrictions } from './restrictions'
import type { RetryPolicy } from './retry'
import type { UploadEvents, UploaderSnapshot, UploadSnapshot } from './state'
import type { Clock, FileInfo, Hasher, ResumeStore, Transport, UploadProtocol } from './types'

export interface UploaderOptions {
  /** The backend: `createHttpProtocol(...)`, S3, tus, or your own. */
  readonly protocol: UploadProtocol
  readonly transport: Transport
  /** MD5 for fingerprints and verification; without it nothing is hashed. */
  readonly hasher?: Hasher
  /** Where resume records go; without it uploads resume only within this page's life. */
  readonly store?: ResumeStore
  /** @default the system clock */
  readonly clock?: Clock
  /** Requests in flight across all files. @default 4 */
  readonly concurrency?: number
  /** Preferred part size in bytes; grown for very large files, clamped to the protocol's limits. @default 8 MiB */
  readonly chunkSize?: number
  /**
   * Part size and lanes from measured throughput. On (the default), each file starts with
   * 2 parts in flight and adds one at a time, up to `concurrency`, while that raises the
   * throughput by 10 % or more; a failure or stall halves them. New plans take the part
   * size one request sends in about 2 s at the measured rate, between `chunkSize` and 8×
   * it, and after failures less than `chunkSize`, so a retry re-sends less. An upload keeps
   * the part size it was created with (also when resumed from its record). `false`: every
   * file uses `chunkSize` and `concurrency` as given. An object tunes the defaults.
   * @default true
   */
  readonly adaptive?: boolean | AdaptiveOptions
  /** Abort and retry a request that made no progress for this long. @default 30000 */
  readonly stallTimeoutMs?: number
  /** Timeout of control requests (create, status, complete, abort). @default 60000 */
  readonly requestTimeoutMs?: number
  /**
   * MD5 hashing: the sampled fingerprint, per-part checksums where the protocol carries them,
   * and the full MD5 alongside the upload for servers that verify it (the HTTP protocol; S3
   * and tus check parts instead, so no full hash is computed for them). @default true
   */
  readonly hashing?: boolean
  /** Send the File itself in one request when starting from byte 0, if the protocol can. @default true */
  readonly stream?: boolean
  /** Start uploads as soon as files are added. @default true */
  readonly autoStart?: boolean
  readonly restrictions?: Restrictions
  readonly retry?: Partial<RetryPolicy>
  /** How long a resume record is kept. @default 7 days */
  readonly resumeExpiryMs?: number
  /** Least interval between progress notifications. @default 100 */
  readonly progressIntervalMs?: number
  /** Extra metadata sent when an upload is created. */
  readonly metadata?: (file: FileInfo) => Record<string, string>
}

/** An upload from an earlier visit that can be resumed by adding the same file again. */
export interface PendingUpload {
  /** The resume record's key; pass it to `discard`. */
  readonly key: string
  readonly file: FileInfo
  /** Bytes the server had acknowledged when the record was last written. */
  readonly bytesUploaded: number
  readonly createdAt: number
  readonly updatedAt: number
  readonly expiresAt: number
}

export interface AddResult {
  readonly added: readonly UploadSnapshot[]
  readonly rejected: readonly { readonly file: FileInfo; readonly error: UploadError }[]
}

/** The engine: framework-free, one per app (or per upload area). */
export interface Uploader {
  add(files: Blob | Iterable<Blob> | ArrayLike<Blob>): AddResult
  /** Starts queued uploads (when `autoStart` is off); all when no id is given. */
  start(id?: string): void
  pause(id?: string): void
  resume(id?: string): void
  /** Stops the upload, deletes it on the server and forgets its resume record. */
  cancel(id?: string): Promise<void>
  /** Tries a failed upload again, continuing from what the server holds. */
  retry(id?: string): void
  /** Cancels if needed and removes the upload from the list. */
  remove(id: string): Promise<void>
  getSnapshot(): UploaderSnapshot
  /** Called after every change (progress at most every `progressIntervalMs`). */
  subscribe(listener: (snapshot: UploaderSnapshot) => void): () => void
  on: Emitter<UploadEvents>['on']
  /**
   * Uploads saved by earlier visits for this protocol and endpoint that are not in this
   * uploader: adding the same file again resumes one. Never throws: unreadable storage
   * gives an empty list and a `warning` event.
   */
  pending(): Promise<PendingUpload[]>
  /** Deletes a pending upload on the server and forgets its record. */
  discard(key: string): Promise<void>
  /** Offline pauses every upload; back online resumes the ones it paused. */
  setOnline(online: boolean): void
  /** Resolves once every pending resume-record write has settled. */
  flush(): Promise<void>
  /** Stops everything without deleting anything on the server, so a later visit can resume. */
  destroy(): void
}
