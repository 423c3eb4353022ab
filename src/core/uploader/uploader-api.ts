import type { AdaptiveOptions } from '../scheduling/adaptive-tuner'
import type { Emitter } from './emitter'
import type { UploadError } from '../errors'
import type { MetadataOption } from '../metadata'
import type { RefreshAuth } from '../auth-refresh'
import type { BeforeAddHook, BeforeUploadHook } from '../hooks'
import type { Live, LiveRestrictions, Restrictions } from './restrictions'
import type { RetryPolicy } from '../scheduling/retry-policy'
import type { UploadEvents, UploaderSnapshot, UploadSnapshot } from '../status/upload-state'
import type {
  Clock,
  FileInfo,
  Hasher,
  ResumeStore,
  TabLocks,
  TabPeers,
  Transport,
  UploadProtocol,
} from '../types'

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
  /**
   * Cross-tab locks (`createWebLocks()`): an upload with a resume key runs in one tab at a
   * time; the others pause it with reason 'elsewhere' and take over when that tab closes.
   * Without it nothing stops two tabs sending the same file. @default none (`createDefaultUploader`: Web Locks)
   */
  readonly locks?: TabLocks
  /**
   * A channel to the other tabs (`createTabChannel()`): this tab publishes what it sends,
   * and the snapshot's `elsewhere` lists what they send. @default none (`createDefaultUploader`: BroadcastChannel)
   */
  readonly peers?: TabPeers
  /**
   * Requests in flight across all files, and files started at once (small files sent
   * together, up to 16 to a request, count as a sixteenth each). @default 4
   */
  readonly concurrency?: number
  /** Preferred part size in bytes; grown for very large files, clamped to the protocol's limits. @default 8 MiB */
  readonly chunkSize?: number
  /**
   * Part size and lanes from measured throughput. On (the default), each file starts with
   * `concurrency` parts in flight; a failure or stall halves them, and they grow back one
   * at a time while each lane raises the throughput by 10 % or more. New plans take the part
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
  /**
   * Files of at most this many bytes take the small-file path where the protocol has one
   * (`uploadSmall`): one request that creates and completes the upload (HTTP, tus with
   * `creation-with-upload`, S3 with a signer that presigns single PUTs), with no resume
   * record, no cross-tab lock and no hashing beyond the body's own MD5. Retries, stall
   * detection, pause (the whole file is sent again) and cancel apply as to any upload; a
   * reload sends such a file again from byte 0. The default is `chunkSize`: a file that fits
   * in one part would lose that part to a cut or reload on the multipart path too, so
   * remembering it costs more (a fingerprint, a record, a lock, three or four control
   * requests) than sending it again. `0` turns the path off. @default chunkSize
   */
  readonly smallFileThreshold?: number
  /** Send the File itself in one request when starting from byte 0, if the protocol can. @default true */
  readonly stream?: boolean
  /** Start uploads as soon as files are added. @default true */
  readonly autoStart?: boolean
  /**
   * Accepted types, as in `<input accept>`: extensions (`.mp4`), MIME types (`video/mp4`)
   * or wildcards (`video/*`). A value or a getter, read on every `add`. @default everything
   */
  readonly accept?: Live<Restrictions['accept']>
  /** Most files not finished or canceled at once; a value or a getter, read on every `add`. @default Infinity */
  readonly maxFiles?: Live<number | undefined>
  /** Largest file in bytes; a value or a getter, read on every `add`. @default Infinity */
  readonly maxFileSize?: Live<number | undefined>
  /** Smallest file in bytes (1 refuses empty files); a value or a getter, read on every `add`. @default 0 */
  readonly minFileSize?: Live<number | undefined>
  /**
   * Largest sum of sizes in bytes of the files not finished or canceled plus the ones being
   * added (refused with `total-too-large`); a value or a getter, read on every `add`.
   * @default Infinity
   */
  readonly maxTotalSize?: Live<number | undefined>
  readonly retry?: Partial<RetryPolicy>
  /** How long a resume record is kept. @default 7 days */
  readonly resumeExpiryMs?: number
  /** Least interval between progress notifications. @default 100 */
  readonly progressIntervalMs?: number
  /**
   * How long a resume-store call may take before the store counts as unavailable (a
   * blocked IndexedDB open never answers): uploads then go on with records in memory.
   * @default 5000
   */
  readonly storageTimeoutMs?: number
  /**
   * String pairs sent with every upload when it is created (the HTTP create body, tus
   * `Upload-Metadata`, S3 object metadata `x-amz-meta-*` through the signer): the same for
   * all files, or a function of the file. `add(files, { metadata })` adds to it per call.
   * Checked when a file is added (keys: a letter, then letters, digits, `_`, `-`; values:
   * strings without control characters; 2 KB in all): a file whose metadata cannot be sent
   * is rejected with `invalid-metadata`. Kept in the resume record.
   */
  readonly metadata?: MetadataOption
  /**
   * Called for each file that passed the restrictions, before it is added (synchronously).
   * Return `false`, a reason string, or throw to refuse it: it is reported through
   * `file-rejected` with the code `file-refused` and `params.reason`. Return
   * `{ metadata }` to add metadata for this file.
   */
  readonly beforeAdd?: BeforeAddHook
  /**
   * Called once per upload (asynchronously), when it starts and before its first byte is
   * hashed or sent; not again when the same upload resumes after a pause or going offline.
   * `context.signal` aborts on pause, cancel or `destroy()` (the upload does not wait for the
   * hook then, and asks it again on the next start). Return `false` or a reason string to
   * refuse the file: the upload ends in `upload-error` with the code `file-refused` and
   * `params.reason`; a throw does the same with the error's message (an `UploadError` thrown
   * is kept as it is). Return `{ blob }` to send another blob instead (a compressed image, an
   * encrypted file): size, type, the part plan, the fingerprint, the resume record and the hash
   * are the new blob's, and the snapshot shows its size. A resume in a later visit runs the
   * hook again on the picked file and finds the record only if the hook gives the same bytes.
   * Return `{ metadata }` to add metadata (checked as the `metadata` option is).
   */
  readonly beforeUpload?: BeforeUploadHook
  /**
   * Called when a request of an upload is answered 401 (HTTP and tus requests, the S3
   * signer's; never presigned bucket URLs): resolve with fresh auth headers. They go on
   * every later request, over the protocol's `headers` of the same name, and the request
   * is sent again once; a second 401 fails the upload with `rejected` as without this
   * option. Requests that meet 401 together share one call. A throw (or a value that is not
   * string pairs) fails the upload with `rejected`, status 401, the throw as its `cause`.
   */
  readonly refreshAuth?: RefreshAuth
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
  /** Clear was asked but the server could not be reached yet; it is retried on every read. */
  readonly clearing: boolean
  /** The kept File System Access handle (opaque to the engine), when there is one. */
  readonly handle?: unknown
}

export interface AddOptions {
  /**
   * Metadata for the files of this call, on top of the uploader's `metadata` option (these
   * win on a shared key): the same pairs for each file, or a function of the file.
   */
  readonly metadata?: MetadataOption
  /**
   * How to reach each file again without a dialog in a later visit (e.g. the
   * `FileSystemFileHandle` it came from); kept in its resume record.
   */
  readonly handles?: ReadonlyMap<Blob, unknown>
}

/** What `resumeFrom` did: the upload it added, or why the file was refused. */
export type ResumeOutcome =
  | { readonly upload: UploadSnapshot; readonly error?: undefined }
  | { readonly error: UploadError; readonly upload?: undefined }

export interface AddResult {
  readonly added: readonly UploadSnapshot[]
  readonly rejected: readonly { readonly file: FileInfo; readonly error: UploadError }[]
}

/** The engine: framework-free, one per app (or per upload area). */
export interface Uploader {
  add(files: Blob | Iterable<Blob> | ArrayLike<Blob>, options?: AddOptions): AddResult
  /**
   * Resumes a pending upload with the file picked again (or read from its handle). The
   * file is checked first: name and size, then the sampled fingerprint, then the full MD5
   * when the record has one. A different file resolves `{ error }` (code `file-mismatch`)
   * and nothing is sent, deleted or overwritten.
   */
  resumeFrom(key: string, file: Blob, options?: { handle?: unknown }): Promise<ResumeOutcome>
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
  /**
   * The restrictions in effect now (getters called): what the next `add` checks. Throws
   * `invalid-option` when a getter gives an unusable value.
   */
  getRestrictions(): Restrictions
  /**
   * Changes some restrictions (each a value or a getter; `undefined` lifts one) for the
   * next `add`; files already added are not checked again. Throws `invalid-option` on an
   * unusable value.
   */
  setRestrictions(restrictions: LiveRestrictions): void
  /**
   * The Blob (or File) an upload reads from (the one `beforeUpload` handed back, once it
   * did), for previews such as thumbnails; undefined for an unknown or removed id. The
   * snapshot carries only the file's name, size and type.
   */
  getFile(id: string): Blob | undefined
  /** The current state of every upload and the totals, always up to date when asked. */
  getSnapshot(): UploaderSnapshot
  /**
   * Called after every change: a state change in the next microtask, progress at most every
   * `progressIntervalMs`. With more than 1,000 uploads, changes are passed on together at
   * most every 16 ms (each snapshot copies the list); events (`on`) still come one by one.
   */
  subscribe(listener: (snapshot: UploaderSnapshot) => void): () => void
  on: Emitter<UploadEvents>['on']
  /**
   * Uploads saved by earlier visits for this protocol and endpoint that are not in this
   * uploader: adding the same file again resumes one. Never throws: unreadable storage
   * gives an empty list and a `warning` event.
   */
  pending(): Promise<PendingUpload[]>
  /**
   * Deletes a pending upload on the server and forgets its record. When the server cannot
   * be reached the record is kept, marked `clearing`, retried on every `pending()` read,
   * and this resolves `false`.
   */
  discard(key: string): Promise<boolean>
  /**
   * What the browser says about the network (`navigator.onLine`). Offline pauses every
   * upload; back online resumes the ones it paused, at once. Since the browser may say
   * online without a working link, the engine also pauses as offline when requests keep
   * failing with network errors, and probes with backoff until one gets through.
   */
  setOnline(online: boolean): void
  /** Resolves once every pending resume-record write has settled. */
  flush(): Promise<void>
  /** Stops everything without deleting anything on the server, so a later visit can resume. */
  destroy(): void
}
