import { randomBytes } from 'node:crypto'

/**
 * Upload ids are the capability to an upload, so they carry 144 random bits: 18 bytes
 * encode to exactly 24 base64url characters with no padding, which makes the accepted
 * format a fixed-length regex with no partially used final character.
 */
const ID_BYTES = 18
const ID_PATTERN = /^[A-Za-z0-9_-]{24}$/

/** A fresh, unguessable upload id. */
export function newUploadId(): string {
  return randomBytes(ID_BYTES).toString('base64url')
}

/**
 * True when `value` has exactly the shape {@link newUploadId} produces. Checked before an id
 * reaches any path, so nothing else can name a file in the store.
 */
export function isUploadId(value: string): boolean {
  return ID_PATTERN.test(value)
}
