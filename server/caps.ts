/**
 * Caps on what one caller may hold open (created, not yet finished), shared by the three
 * endpoints. Every cap applies per identity and per address: made-up tokens from one
 * address share the address's cap, and clients behind one NAT share it too (raise the
 * per-address caps, or trust `X-Forwarded-For` from your proxy, see `ServeOptions`).
 */
import { statfs } from 'node:fs/promises'
import type { Caller } from './owner'

export const TiB = 1024 ** 4

/** Options of the open-upload caps. */
export interface CapOptions {
  /** Unfinished uploads one identity may hold at once (default 100). */
  maxOpenUploads?: number
  /** Declared bytes of one identity's unfinished uploads (default 1 TiB, at least the largest file). */
  maxOpenBytes?: number
  /** Unfinished uploads from one address (default: `maxOpenUploads`). */
  maxOpenUploadsPerAddress?: number
  /** Declared bytes of the unfinished uploads from one address (default: `maxOpenBytes`). */
  maxOpenBytesPerAddress?: number
}

/** Resolved caps. */
export interface Caps {
  uploads: number
  bytes: number
  addressUploads: number
  addressBytes: number
}

export const DEFAULT_MAX_OPEN_UPLOADS = 100

/** Fills the defaults; `maxFileSize` keeps one largest file always within the byte caps. */
export function resolveCaps(options: CapOptions, maxFileSize: number): Caps {
  const uploads = options.maxOpenUploads ?? DEFAULT_MAX_OPEN_UPLOADS
  const bytes = options.maxOpenBytes ?? Math.max(TiB, maxFileSize)
  return {
    uploads,
    bytes,
    addressUploads: options.maxOpenUploadsPerAddress ?? uploads,
    addressBytes: options.maxOpenBytesPerAddress ?? bytes,
  }
}

/** An unfinished upload as the caps count it. */
export interface OpenUpload {
  owner: string
  /** Absent for uploads stored before addresses were recorded: they count per identity only. */
  address?: string
  size: number
  /**
   * A presigned single PUT (the S3 signer's small-file route): its declared bytes count
   * until its URL expires, but it is not an unfinished upload, so not against the count caps
   * (a folder of 1,000 photos is 1,000 of them within minutes).
   */
  signedObject?: boolean
}

/** Why a create is refused: a 429 with this message and limit. */
export interface CapRefusal {
  message: string
  limit: number
  unit: 'uploads' | 'bytes'
}

/**
 * Checks a new upload of `size` bytes by `caller` against the caps; null when it fits. A
 * signed single PUT (`request.signedObject`) is checked against the byte caps only.
 */
export function checkCaps(
  caps: Caps,
  open: Iterable<OpenUpload>,
  caller: Caller,
  size: number,
  request: { signedObject?: boolean } = {},
): CapRefusal | null {
  let uploads = 0
  let bytes = 0
  let addressUploads = 0
  let addressBytes = 0
  for (const upload of open) {
    const counted = upload.signedObject ? 0 : 1
    if (upload.owner === caller.owner) {
      uploads += counted
      bytes += upload.size
    }
    if (upload.address === caller.address) {
      addressUploads += counted
      addressBytes += upload.size
    }
  }
  const refuse = (who: string, limit: number, unit: 'uploads' | 'bytes'): CapRefusal => ({
    message:
      unit === 'uploads'
        ? `at most ${limit} unfinished uploads per ${who}; finish or abort one`
        : `unfinished uploads per ${who} may declare at most ${limit} bytes; finish or abort one`,
    limit,
    unit,
  })
  if (!request.signedObject) {
    if (uploads >= caps.uploads) return refuse('client', caps.uploads, 'uploads')
    if (addressUploads >= caps.addressUploads)
      return refuse('address', caps.addressUploads, 'uploads')
  }
  if (bytes + size > caps.bytes) return refuse('client', caps.bytes, 'bytes')
  if (addressBytes + size > caps.addressBytes) return refuse('address', caps.addressBytes, 'bytes')
  return null
}

/**
 * Bytes the filesystem holding `dir` can still take, for the 507 check; Infinity where the
 * platform cannot tell, so a missing statfs never refuses uploads.
 */
export async function freeBytes(dir: string): Promise<number> {
  try {
    const stats = await statfs(dir)
    return Number(stats.bavail) * Number(stats.bsize)
  } catch {
    return Infinity
  }
}
