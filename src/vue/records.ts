/** Uploads and pending records as plain, serializable data (what the pinia store holds). */
import type { PauseReason, UploadErrorCode, UploadSnapshot, UploadState } from '../core'

/** One upload as plain, serializable data (no File, Worker or engine). */
export interface UploadRecord {
  readonly id: string
  readonly name: string
  readonly size: number
  readonly type: string
  readonly state: UploadState
  /** Why it is paused, when it is. */
  readonly pausedBy?: PauseReason
  readonly retrying: boolean
  readonly bytesUploaded: number
  /** 0..1 */
  readonly progress: number
  readonly speed: number
  readonly eta: number | null
  readonly hashState: UploadSnapshot['hash']['state']
  readonly hash: string | null
  readonly retries: number
  readonly resumed: boolean
  /** The server forgot the upload and it started over from byte 0 (progress reset). */
  readonly restarted: boolean
  readonly errorCode: UploadErrorCode | null
  /** The error's end-user message in the chosen locale. */
  readonly errorMessage: string | null
  readonly retryable: boolean
}

/** A pending upload from an earlier visit, as the pinia store holds it (serializable). */
export interface PendingRecord {
  /** The resume record's key (what `resume`, `resumeFrom` and `discard` take). */
  readonly key: string
  /** The file's name. */
  readonly name: string
  /** The file's size in bytes. */
  readonly size: number
  /** Bytes the server acknowledged. */
  readonly bytesUploaded: number
  /** When the record was last written (ms since the epoch). */
  readonly updatedAt: number
  /** When the record expires (ms since the epoch). */
  readonly expiresAt: number
  /** A discard is waiting for the server. */
  readonly clearing: boolean
  /** A file handle was kept: Resume needs no dialog. */
  readonly resumable: boolean
}

/** The pinia store's plain record of an upload snapshot, with its error message localized by `message`. */
export function toUploadRecord(
  upload: UploadSnapshot,
  message: (error: { code: UploadErrorCode; params: Record<string, string | number> }) => string,
): UploadRecord {
  const { status } = upload
  const error = status.state === 'error' ? status.error : undefined
  return {
    id: upload.id,
    name: upload.file.name,
    size: upload.file.size,
    type: upload.file.type,
    state: status.state,
    pausedBy: status.state === 'paused' ? status.reason : undefined,
    retrying: status.state === 'uploading' && status.retrying,
    bytesUploaded: upload.bytesUploaded,
    progress: upload.progress,
    speed: upload.speed,
    eta: upload.eta ?? null,
    hashState: upload.hash.state,
    hash: upload.hash.value ?? null,
    retries: upload.retries,
    resumed: upload.resumed,
    restarted: upload.restarted,
    errorCode: error?.code ?? null,
    errorMessage: error ? message(error) : null,
    retryable: error?.retryable ?? false,
  }
}
