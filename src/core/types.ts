/**
 * The ports the engine talks through. Core knows nothing of browsers, axios, workers or
 * IndexedDB: `vue/defaults.ts` plugs real adapters in, tests plug fakes in.
 */
import type { UploadError } from './errors'

/** What the engine knows about a file without reading it. */
export interface FileInfo {
  readonly name: string
  readonly size: number
  readonly type: string
  readonly lastModified: number
  /**
   * Where the file sits in a folder that was picked or dropped, as `folder/sub/name.txt`
   * (the browser's `webkitRelativePath`, or the path walked from a dropped folder); absent
   * for single files. Sent as the metadata key `relativePath` and kept in the resume record.
   */
  readonly relativePath?: string
}

/** A file split into `count` parts of `partSize` bytes (the last one shorter), in whole bytes. */
export interface ChunkPlan {
  readonly size: number
  readonly partSize: number
  readonly count: number
}

/** One part of a plan: bytes `[start, end)`. */
export interface PartRange {
  readonly index: number
  readonly start: number
  readonly end: number
}

// ---------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'
/**
 * A request body. A `FormData` is sent as `multipart/form-data` built by the platform, which
 * also sets the Content-Type with its boundary: a transport must not set one for it (the S3
 * protocol posts small files as forms this way; building such a body as a Blob costs the
 * page far more).
 */
export type RequestBody = Blob | string | ArrayBuffer | Uint8Array | FormData

export interface HttpRequest {
  readonly method: HttpMethod
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: RequestBody
  /**
   * The URL carries its own authorization (a presigned bucket URL): the engine adds no auth
   * headers to it and does not refresh auth when it answers 401.
   */
  readonly signedUrl?: boolean
  /** Cancels the request; the transport rejects with `abortError(signal)`. */
  readonly signal: AbortSignal
  /** Whole-request timeout; 0 or undefined means none (bodies are guarded by stall detection). */
  readonly timeoutMs?: number
  /** Called with the bytes of the body sent so far (cumulative, not a delta). */
  readonly onUploadProgress?: (loaded: number) => void
}

export interface HttpResponse {
  readonly status: number
  /** Header names are lower-case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text; protocols parse it. */
  readonly body: string
}

/**
 * Sends one HTTP request. Resolves with any status (protocols interpret them); rejects only
 * with an `UploadError` of code `network`, `timeout` or the signal's abort reason.
 */
export interface Transport {
  request(request: HttpRequest): Promise<HttpResponse>
  /**
   * Optional: called as an upload starts, before its first request, so a transport that
   * loads its HTTP client lazily loads it while the file is still being identified instead
   * of in front of the first request. Called again for every upload: make it cheap, and
   * never throw (a failed load is the first request's error to report).
   */
  prepare?(): void
}

// ---------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------

export interface Clock {
  now(): number
  /** Schedules `fn`; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void
}

// ---------------------------------------------------------------------------------------
// Hasher
// ---------------------------------------------------------------------------------------

export interface HashOptions {
  readonly signal: AbortSignal
  /** Cumulative bytes hashed so far. */
  readonly onProgress?: (bytesHashed: number) => void
  /**
   * Something the app should know that does not stop the hash, e.g. `wasm-unavailable`
   * when the WebAssembly MD5 was refused and a slower one took over. The engine passes
   * these on as its `warning` event.
   */
  readonly onWarning?: (warning: UploadError) => void
}

export interface Hasher {
  /** Streams the blob slice by slice into MD5; resolves with the lower-case hex digest. */
  md5(blob: Blob, options: HashOptions): Promise<string>
  /**
   * A quick identity: MD5 (hex) over a few sampled slices (start, middle, end). For a blob
   * no larger than the samples together it is the MD5 of the whole blob.
   */
  sample(blob: Blob, options: HashOptions): Promise<string>
}

// ---------------------------------------------------------------------------------------
// Resume store
// ---------------------------------------------------------------------------------------

/** JSON-serializable server-side handle of an upload (an id, a URL, an S3 UploadId and key…). */
export type RemoteUpload = Readonly<Record<string, string | number | boolean | null>>

/** A part the server has acknowledged. */
export interface AckedPart {
  readonly index: number
  readonly size: number
  /** Protocol receipt for the part (S3 ETag); absent where the protocol has none. */
  readonly etag?: string
}

export const RESUME_RECORD_VERSION = 1

/** Everything needed to resume an upload in a later visit. */
export interface ResumeRecord {
  readonly v: typeof RESUME_RECORD_VERSION
  readonly key: string
  readonly fingerprint: string
  readonly file: FileInfo
  readonly hash?: string
  readonly protocol: string
  readonly remote: RemoteUpload
  readonly plan: ChunkPlan
  readonly parts: readonly AckedPart[]
  readonly createdAt: number
  readonly updatedAt: number
  readonly expiresAt: number
  /**
   * How to reach the file again without a dialog: an opaque, structured-cloneable value
   * (a File System Access `FileSystemFileHandle` in browsers). Stores must keep it as is.
   */
  readonly handle?: unknown
  /** Clear was asked but the server could not be reached: the abort is retried later. */
  readonly clearing?: boolean
  /** The metadata the upload was created with; a resumed upload keeps it. */
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * Where resume records are kept (IndexedDB, memory, or the app's own). Expiry is the
 * engine's, not the store's: a store returns expired records like any other, because the
 * server may still hold the upload one names, and the engine deletes that first (then the
 * record). A store drops only what it cannot read.
 */
export interface ResumeStore {
  /** The record under `key`, expired or not; undefined when there is none or it is unreadable. */
  get(key: string): Promise<ResumeRecord | undefined>
  set(key: string, record: ResumeRecord): Promise<void>
  delete(key: string): Promise<void>
  /** Every readable record, expired ones included. Unreadable ones are dropped, never thrown on. */
  list(): Promise<ResumeRecord[]>
}

// ---------------------------------------------------------------------------------------
// Protocol: maps the engine's intents (create, send a part, complete, abort) to wire calls
// ---------------------------------------------------------------------------------------

export interface ProtocolCapabilities {
  /** Smallest part except the last, in bytes. */
  readonly minPartSize: number
  /** Largest part, in bytes. */
  readonly maxPartSize: number
  /** Most parts one upload may have. */
  readonly maxParts: number
  /** Several parts of one file may be in flight at once. */
  readonly parallel: boolean
  /**
   * The server keeps the bytes of a request that was cut (tus, the HTTP stream route), so
   * after a failure the engine asks `status()` before re-sending.
   */
  readonly keepsPartialBodies: boolean
  /** When 'md5', the engine hashes each part before sending and passes `partMd5`. */
  readonly partChecksum?: 'md5'
  /**
   * With `partChecksum` 'md5': an acknowledged part's `etag` is that part's MD5 (hex), as
   * S3's is for unencrypted objects. The engine may then send the first parts of a resumed
   * upload before their MD5 is known (no `partMd5`) and check the ETag once it is: a
   * mismatch sends the part again, with its MD5. So a reselect does not wait for hashing.
   * @default false
   */
  readonly partEtagIsMd5?: boolean
  /**
   * Whether `complete` hands the file's full MD5 to the server to verify. When false (S3
   * checks parts and ETags, tus has no way to), the engine neither computes the full hash
   * nor waits for it, unless the protocol can `claim` by hash. @default true
   */
  readonly verifiesFileHash?: boolean
}

/** What the server holds: whole parts, and for sequential protocols a byte offset. */
export interface ServerState {
  readonly parts: readonly AckedPart[]
  /** Contiguous bytes held from the start, when the protocol counts in bytes (tus). */
  readonly offset?: number
  /**
   * Parts the server holds only the start of (a request was cut and the server kept what
   * arrived, as the HTTP chunk protocol does): `bytes` from the part's start. The engine
   * sends such a part from there (`PartRequest.start`).
   */
  readonly partial?: readonly { readonly index: number; readonly bytes: number }[]
}

export interface UploadResult {
  readonly size: number
  /** MD5 (hex) of the stored file, when the server reports one. */
  readonly hash?: string
  readonly etag?: string
  readonly location?: string
  /** True when the server already held the file and no bytes were sent. */
  readonly instant?: boolean
  /** Whatever else the server answered, for the app. */
  readonly data?: Readonly<Record<string, unknown>>
}

export interface ProtocolContext {
  readonly transport: Transport
  readonly signal: AbortSignal
  readonly clock: Clock
}

export interface CreateRequest extends ProtocolContext {
  readonly file: FileInfo
  /** Quick content identity: the size and an MD5 of sampled slices, never the name. */
  readonly fingerprint: string
  /** Full MD5, when already known (a resumed record, a small file). */
  readonly hash?: string
  readonly plan: ChunkPlan
  readonly metadata: Readonly<Record<string, string>>
}

export type CreateResult =
  | {
      readonly kind: 'created'
      readonly remote: RemoteUpload
      /** The server already holds a file that looks the same: wait for the hash and `claim`. */
      readonly duplicateCandidate?: boolean
    }
  | { readonly kind: 'complete'; readonly result: UploadResult }

export interface RemoteRequest extends ProtocolContext {
  readonly remote: RemoteUpload
  readonly plan: ChunkPlan
  /**
   * The parts acknowledged so far as the engine knows them, receipts included, for a
   * protocol whose receipts locate the parts (tus partial uploads); given to `status` and
   * `abort`. Empty when nothing is known yet.
   */
  readonly parts?: readonly AckedPart[]
}

export interface PartRequest extends RemoteRequest {
  readonly part: PartRange
  /**
   * Where this request starts; past `part.start` when the server kept part of the part
   * (`ServerState.offset` or `partial`).
   */
  readonly start: number
  /** The bytes `[start, part.end)` of the file. */
  readonly body: Blob
  /** MD5 (hex) of the whole part, when `capabilities.partChecksum` is 'md5'. */
  readonly partMd5?: string
  /** Cumulative bytes of `body` sent; the engine replaces, never adds. */
  readonly onProgress: (loaded: number) => void
}

export interface StreamRequest extends RemoteRequest {
  /** The File itself: from byte 0, a body Chromium sends twice as fast as any slice. */
  readonly body: Blob
  readonly onProgress: (loaded: number) => void
}

export interface CompleteRequest extends RemoteRequest {
  readonly parts: readonly AckedPart[]
  /** Full MD5 (hex) for the server to verify, when hashing is on. */
  readonly hash?: string
}

/**
 * The whole of a small file in one request that creates and completes the upload (see
 * {@link UploadProtocol.uploadSmall}). No server-side upload exists before it, and none is
 * left behind when it fails: the engine simply sends it again.
 */
export interface SmallUploadRequest extends ProtocolContext {
  readonly file: FileInfo
  /** The bytes: the whole File. */
  readonly body: Blob
  /**
   * MD5 (hex) of the body, when the engine hashes: for the server to verify (HTTP) or to
   * sign into a Content-MD5 (S3). Absent with hashing off.
   */
  readonly md5?: string
  readonly metadata: Readonly<Record<string, string>>
  /** Cumulative bytes of `body` sent; the engine replaces, never adds. */
  readonly onProgress: (loaded: number) => void
}

/** One file of a {@link SmallBatchRequest}: what a {@link SmallUploadRequest} carries for it. */
export interface SmallBatchFile {
  readonly file: FileInfo
  /** The bytes: the whole File. */
  readonly body: Blob
  /** MD5 (hex) of the body, when the engine hashes; absent with hashing off. */
  readonly md5?: string
  readonly metadata: Readonly<Record<string, string>>
}

/**
 * Several small files in one request, each created and completed on its own (see
 * {@link UploadProtocol.uploadSmallBatch}). Like a lone small file, nothing of a failed
 * request is left on the server: the engine sends its files again.
 */
export interface SmallBatchRequest extends ProtocolContext {
  /** In the order their bytes go out. */
  readonly files: readonly SmallBatchFile[]
  /**
   * Cumulative bytes of the files sent (their bodies back to back, in order, without any
   * framing); the engine replaces, never adds, and shares them out among the files.
   */
  readonly onProgress: (loaded: number) => void
}

/**
 * Small files the engine will soon send through {@link UploadProtocol.uploadSmall}, in
 * queue order (see {@link UploadProtocol.prepareSmall}).
 */
export interface PrepareSmallRequest extends ProtocolContext {
  /** The very objects later passed as {@link SmallUploadRequest.file}. */
  readonly files: readonly FileInfo[]
}

/**
 * The parts a resumed upload will most likely send first (see
 * {@link UploadProtocol.prepareParts}).
 */
export interface PreparePartsRequest extends ProtocolContext {
  readonly remote: RemoteUpload
  readonly plan: ChunkPlan
  /** Part indexes (0-based), in the order they will be sent. */
  readonly indexes: readonly number[]
}

export interface ClaimRequest extends RemoteRequest {
  readonly hash: string
}

/**
 * One backend kind. Each method maps an intent to wire calls and throws `UploadError`s whose
 * `retryable` and `retryAfterMs` tell the engine's one scheduler what to do; protocols never
 * retry, wait or count concurrency themselves.
 */
export interface UploadProtocol {
  /** Stored in resume records; a record is only resumed by a protocol of the same name. */
  readonly name: string
  /** Which backend this instance talks to (a base URL); part of the resume key. */
  readonly endpoint?: string
  readonly capabilities: ProtocolCapabilities
  /** Creates the server-side upload, or answers that the server already has the file. */
  create(request: CreateRequest): Promise<CreateResult>
  /** Asks what the server holds. Its answer wins over local records. */
  status(request: RemoteRequest): Promise<ServerState>
  /** Sends one part (or its remainder). Resolves once the server acknowledged it. */
  uploadPart(request: PartRequest): Promise<AckedPart>
  /**
   * Optional fast path, used only when nothing has been sent yet: one request whose body is
   * the whole File. Resolves with what the server then holds.
   */
  uploadStream?(request: StreamRequest): Promise<ServerState>
  /**
   * Optional small-file path: sends a whole file (no larger than the uploader's
   * `smallFileThreshold`) in as few requests as the backend allows, creating and completing
   * it at once, with no resume record or cross-tab lock. Resolves with the stored result,
   * or with `undefined` when the server does not offer such a route (an older server or
   * signer): the engine then takes the multipart path, and the protocol should remember
   * the answer so later files do not ask again. Errors are thrown as for `uploadPart`;
   * the engine retries the whole request.
   */
  uploadSmall?(request: SmallUploadRequest): Promise<UploadResult | undefined>
  /**
   * Optional, with `uploadSmall`: several small files in one request (the engine groups
   * files of at most 1 MiB, up to 16 and 4 MiB a request). Resolves with one answer per
   * file, in order: its result, or the `UploadError` a lone `uploadSmall` of it would have
   * thrown (a non-retryable one fails that file; a retryable one sends it on its own). Resolves
   * `undefined` when the server has no such route (the engine then uses `uploadSmall`, and
   * does not ask again); throws, like `uploadSmall`, when the request itself failed, and the
   * engine retries it whole.
   */
  uploadSmallBatch?(
    request: SmallBatchRequest,
  ): Promise<readonly (UploadResult | UploadError)[] | undefined>
  /**
   * Optional, with `uploadSmall`: told which small files are queued next (a window ahead of
   * the running ones, each file once), so it can prepare them together, e.g. sign many in
   * one request. Fire and forget: it runs outside the upload lanes and must not throw;
   * `uploadSmall` of a file whose preparation failed or never came does the work itself.
   * `signal` is the uploader's lifetime.
   */
  prepareSmall?(request: PrepareSmallRequest): void
  /**
   * Optional: told, as a resumed upload asks the server what it holds, which parts it will
   * most likely send first (today the first one its record lacks), so it can prepare them
   * (sign their URLs) alongside that request instead of after it. Only parts
   * sent without `partMd5` may use what was prepared, so it is not called when the first
   * parts will carry one (hashing on and no `partEtagIsMd5`). Fire and forget: it must not throw;
   * `uploadPart` of a part whose preparation failed, went stale or never came does the
   * work itself. `signal` is the run's.
   */
  prepareParts?(request: PreparePartsRequest): void
  /** Optional instant upload: claims a stored file with this hash instead of sending bytes. */
  claim?(request: ClaimRequest): Promise<UploadResult | undefined>
  /** Assembles the file on the server once every part is acknowledged. */
  complete(request: CompleteRequest): Promise<UploadResult>
  /** Deletes the server-side upload and what it holds. Unknown uploads are not an error. */
  abort(request: RemoteRequest): Promise<void>
}

// ---------------------------------------------------------------------------------------
// Tabs: one upload never runs in two tabs, and each tab sees what the others are sending
// ---------------------------------------------------------------------------------------

/**
 * Cross-tab exclusion by resume key (Web Locks in browsers). A lock is held until its
 * release function is called or the tab goes away. Both methods reject with an
 * `UploadError` of code `cross-tab-unavailable` where the environment has no such locks.
 */
export interface TabLocks {
  /** Takes `key` now if nobody holds it; undefined when someone (another tab) does. */
  tryLock(key: string): Promise<(() => void) | undefined>
  /** Waits until `key` is free and takes it; rejects with the signal's reason on abort. */
  lock(key: string, signal: AbortSignal): Promise<() => void>
}

/** What a tab tells the others about one of its running uploads. */
export interface TabUploadSummary {
  /** The resume key: the same file on the same backend has the same key in every tab. */
  readonly key: string
  readonly name: string
  readonly size: number
  readonly bytesUploaded: number
  readonly state: 'preparing' | 'hashing' | 'uploading' | 'completing' | 'done'
}

/** An upload another tab is running, as that tab last published it. */
export interface TabUpload extends TabUploadSummary {
  /** The publishing tab (random per tab and uploader). */
  readonly tab: string
  /** When this tab last heard of it (this tab's clock). */
  readonly seenAt: number
}

/**
 * A channel between the tabs of one origin (BroadcastChannel in browsers). `publish` may
 * be called often: the adapter throttles; entries of a tab that stops publishing expire.
 */
export interface TabPeers {
  publish(uploads: readonly TabUploadSummary[]): void
  /** Called with every upload the other tabs run, whenever that changes. */
  subscribe(listener: (uploads: readonly TabUpload[]) => void): () => void
}

export type { UploadError }
