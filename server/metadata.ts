/**
 * Per-upload metadata as clients send it (the HTTP create body's `metadata`, the S3
 * signer's create body): string pairs within the bounds every protocol can carry, the
 * same the client checks (src/core/metadata.ts). The reference servers store what passes
 * and hand it back with the finished upload.
 */

const MAX_ENTRIES = 32
const MAX_KEY_LENGTH = 64
const MAX_VALUE_LENGTH = 1024
const MAX_TOTAL_BYTES = 2048
const KEY = /^[A-Za-z][A-Za-z0-9_-]*$/
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** The checked metadata (an empty object when absent), or why it is refused. */
export function parseMetadata(
  value: unknown,
): { metadata: Record<string, string>; problem?: undefined } | { problem: string } {
  if (value === undefined || value === null) return { metadata: {} }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { problem: 'metadata must be an object of strings' }
  }
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length > MAX_ENTRIES) return { problem: `metadata has more than ${MAX_ENTRIES} keys` }
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>
  const seen = new Set<string>()
  let bytes = 0
  for (const [key, item] of entries) {
    if (key.length > MAX_KEY_LENGTH || !KEY.test(key) || seen.has(key.toLowerCase())) {
      return { problem: 'metadata keys must be distinct names of letters, digits, _ and -' }
    }
    seen.add(key.toLowerCase())
    if (typeof item !== 'string' || item.length > MAX_VALUE_LENGTH || CONTROL.test(item)) {
      return {
        problem: `metadata values must be strings of at most ${MAX_VALUE_LENGTH} characters without control characters`,
      }
    }
    bytes += Buffer.byteLength(key + item)
    metadata[key] = item
  }
  if (bytes > MAX_TOTAL_BYTES) return { problem: `metadata is over ${MAX_TOTAL_BYTES} bytes` }
  return { metadata: { ...metadata } }
}

/** Whether a stored value is metadata (string pairs); for metas read back from disk. */
export function isStoredMetadata(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  )
}

/**
 * Metadata as S3 object metadata (`x-amz-meta-<key>`, names lower-cased by S3). Header
 * values carry ASCII only, so a value with other characters is stored percent-encoded
 * (`encodeURIComponent`); `decodeURIComponent` reads it back.
 */
export function toS3Metadata(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(metadata)) {
    out[key.toLowerCase()] = /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value)
  }
  return out
}
