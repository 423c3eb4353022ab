/** S3's size limits and the checks of what a client sends the signer. */
import type { UploadHandle } from './handle'

/** Bytes in a MiB. */
export const MiB = 1024 * 1024
/** S3's limits: parts 5 MiB..5 GiB except the last, at most 10,000 of them. */
export const S3_MIN_PART_SIZE = 5 * MiB
export const S3_MAX_PARTS = 10_000
export const S3_MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MiB
export const S3_MAX_PART_SIZE = 5 * 1024 * MiB
/** Longest lifetime of a part URL the signer hands out, in seconds. */
export const MAX_PART_URL_EXPIRES_IN = 3600

/** The part size a client that does not say gets: S3's minimum, grown to fit 10,000 parts. */
export const defaultPartSize = (size: number): number =>
  Math.max(S3_MIN_PART_SIZE, Math.ceil(size / S3_MAX_PARTS / MiB) * MiB)

/** Bytes of part `n` (1-based) of an upload. */
export const partLength = (upload: UploadHandle, n: number): number =>
  Math.max(0, Math.min(upload.partSize, upload.size - (n - 1) * upload.partSize))

/** A Content-MD5 as a client sends it: base64 of 16 bytes. */
export const MD5_BASE64 = /^[A-Za-z0-9+/]{22}==$/
/** A part's ETag as ListParts gives it: 32 hex digits, quoted or not. */
export const ETAG = /^"?[0-9a-fA-F]{32}"?$/
