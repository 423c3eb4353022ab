/**
 * Every failure the library reports is an {@link UploadError}: a stable `code` an app can
 * switch on, a `retryable` flag the scheduler acts on, and the original `cause`.
 * Localized messages for each code live in `locales/`; `message` here is for developers.
 */
export type UploadErrorCode =
  // restrictions, checked before a byte is sent
  | 'file-too-large'
  | 'file-too-small'
  | 'file-type-rejected'
  | 'too-many-files'
  /** The file would take the sum of sizes past `maxTotalSize`. */
  | 'total-too-large'
  | 'too-many-parts'
  // the local file
  | 'file-changed'
  | 'file-unreadable'
  | 'hash-mismatch'
  // the wire
  | 'network'
  | 'timeout'
  | 'stalled'
  | 'offline'
  | 'server'
  | 'rejected'
  | 'protocol'
  | 'not-found'
  /** Creating an upload answered 404: the protocol's `endpoint` points where no server listens. */
  | 'endpoint-not-found'
  | 'expired'
  // lifecycle and environment
  | 'aborted'
  | 'storage-unavailable'
  | 'locked'
  | 'unsupported'
  // what the app handed the uploader
  | 'invalid-file'
  | 'duplicate-file'
  /** A dropped folder (or part of it) could not be read; `params.name` names it. The readable files are still added. */
  | 'folder-unreadable'
  | 'invalid-option'
  /** Metadata that cannot be sent: a key or value that is not a short string without control characters. */
  | 'invalid-metadata'
  /** The app's `beforeAdd` or `beforeUpload` hook refused the file; `params.reason` holds why. */
  | 'file-refused'
  // resuming an earlier visit's upload
  | 'file-mismatch'
  | 'permission-denied'
  | 'storage-full'
  /** No Web Locks: the same upload may run in two tabs at once (a `warning`, never a failure). */
  | 'cross-tab-unavailable'
  | 'wasm-unavailable'
  /**
   * A bug, not a failure of the network or the server: something other than an
   * `UploadError` was thrown (a `TypeError` in a custom protocol, a transport breaking its
   * contract). Never retried; `cause` holds what was thrown.
   */
  | 'internal'
  /** No usable Web Worker: hashing runs on the main thread in short slices (a `warning`). */
  | 'worker-unavailable'

export interface UploadErrorOptions {
  retryable?: boolean
  cause?: unknown
  /** HTTP status when the error came from a response. */
  status?: number
  /** Server-requested wait before a retry (Retry-After), in milliseconds. */
  retryAfterMs?: number
  /** Values the localized message interpolates (limits, names, …). */
  params?: Record<string, string | number>
}

/** Codes that are transient by nature unless a protocol says otherwise. */
const RETRYABLE_CODES: ReadonlySet<UploadErrorCode> = new Set([
  'network',
  'timeout',
  'stalled',
  'offline',
  'server',
])

export class UploadError extends Error {
  override readonly name = 'UploadError'
  readonly code: UploadErrorCode
  readonly retryable: boolean
  readonly status?: number
  readonly retryAfterMs?: number
  readonly params: Record<string, string | number>

  constructor(code: UploadErrorCode, message: string, options: UploadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code)
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
    this.params = options.params ?? {}
  }
}

export function isUploadError(value: unknown): value is UploadError {
  return value instanceof UploadError
}

/** The reason attached to an AbortSignal when the user pauses; never surfaced as an error. */
export const PAUSE_REASON = Object.freeze({ kind: 'pause' as const })
/** The reason attached to an AbortSignal when the network went away. */
export const OFFLINE_REASON = Object.freeze({ kind: 'offline' as const })
/** The reason attached to an AbortSignal when the user cancels. */
export const CANCEL_REASON = Object.freeze({ kind: 'cancel' as const })

/** Turns whatever an aborted signal carries into the error that async steps reject with. */
export function abortError(signal: AbortSignal): UploadError {
  const reason: unknown = signal.reason
  if (reason instanceof UploadError) return reason
  return new UploadError('aborted', 'The operation was aborted', {
    cause: reason,
    retryable: false,
  })
}

/** A controller that aborts when its parent does (with the parent's reason), until unlinked. */
export interface LinkedAbort {
  readonly controller: AbortController
  readonly signal: AbortSignal
  /** Stops following the parent; call it once the child's work is over. */
  unlink(): void
}

/**
 * A child of `parent`: aborting the child leaves the parent alone, aborting the parent aborts
 * the child (at once if it already is). Unlink it when done, or the parent keeps a listener.
 */
export function linkedAbort(parent: AbortSignal): LinkedAbort {
  const controller = new AbortController()
  const onAbort = () => controller.abort(parent.reason)
  if (parent.aborted) onAbort()
  else parent.addEventListener('abort', onAbort, { once: true })
  return {
    controller,
    signal: controller.signal,
    unlink: () => parent.removeEventListener('abort', onAbort),
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal)
}

/**
 * Wraps an unknown thrown value; UploadErrors pass through untouched. Anything else is a
 * bug in the code that threw it (ports reject with `UploadError`s only), so by default it
 * becomes a non-retryable `internal` error: retrying a `TypeError` only repeats it.
 */
export function toUploadError(error: unknown, fallback: UploadErrorCode = 'internal'): UploadError {
  if (error instanceof UploadError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new UploadError(fallback, message, { cause: error })
}

/** Statuses worth retrying: timeouts, conflicts, locks, too-early, rate limits, server errors. */
export function isRetryableStatus(status: number): boolean {
  return [408, 409, 423, 425, 429].includes(status) || (status >= 500 && status <= 599)
}

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds.
 * Returns undefined for anything unreadable, so a garbled header never stalls an upload.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}
