/**
 * Per-file metadata: the string pairs sent with an upload when it is created (the HTTP
 * create body, tus `Upload-Metadata`, S3 object metadata through the signer). Checked when
 * the file is added, so every protocol can carry what passes: S3 keeps at most 2 KB of
 * user metadata per object and sends it as headers, tus as a comma-separated header.
 */
import { UploadError } from './errors'
import type { FileInfo } from './types'

/** String pairs sent with one upload. */
export type UploadMetadata = Readonly<Record<string, string>>

/**
 * Metadata for every file: the same pairs for all, or a function of the file (its name,
 * size and type).
 */
export type MetadataOption = UploadMetadata | ((file: FileInfo) => UploadMetadata)

/** The bounds every protocol can carry. */
export const METADATA_LIMITS = {
  /** Pairs per file. */
  maxEntries: 32,
  /** Characters of a key: a letter, then letters, digits, `_` or `-`. */
  maxKeyLength: 64,
  /** Characters of a value. */
  maxValueLength: 1024,
  /** UTF-8 bytes of all keys and values together (S3's limit on user metadata). */
  maxTotalBytes: 2048,
} as const

const KEY = /^[A-Za-z][A-Za-z0-9_-]*$/
// C0 and C1 control characters, DEL, and the line/paragraph separators: none survive a header.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)

/** Why `value` cannot be sent as metadata, or undefined when it can. */
export function metadataProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'metadata must be an object of strings'
  const entries = Object.entries(value)
  if (entries.length > METADATA_LIMITS.maxEntries) {
    return `more than ${METADATA_LIMITS.maxEntries} keys`
  }
  const seen = new Set<string>()
  let bytes = 0
  for (const [key, item] of entries) {
    if (key.length > METADATA_LIMITS.maxKeyLength || !KEY.test(key)) {
      return `key "${key.slice(0, METADATA_LIMITS.maxKeyLength)}" must be a letter followed by letters, digits, _ or -, at most ${METADATA_LIMITS.maxKeyLength} characters`
    }
    // S3 lower-cases metadata names: two keys differing in case only would collide.
    const lower = key.toLowerCase()
    if (seen.has(lower)) return `key "${key}" differs from another only in case`
    seen.add(lower)
    if (typeof item !== 'string') return `the value of "${key}" is not a string`
    if (item.length > METADATA_LIMITS.maxValueLength) {
      return `the value of "${key}" is longer than ${METADATA_LIMITS.maxValueLength} characters`
    }
    if (CONTROL.test(item)) return `the value of "${key}" holds a control character`
    bytes += new TextEncoder().encode(key + item).length
  }
  if (bytes > METADATA_LIMITS.maxTotalBytes) {
    return `more than ${METADATA_LIMITS.maxTotalBytes} bytes in all`
  }
  return undefined
}

/** The `invalid-metadata` error of one file. */
export function invalidMetadata(file: FileInfo, reason: string): UploadError {
  return new UploadError('invalid-metadata', `Metadata of ${file.name}: ${reason}`, {
    retryable: false,
    params: { name: file.name, reason },
  })
}

/**
 * The metadata of one file: the uploader's option, then what `add` was given, then the
 * (each later source wins on a shared key). Throws `invalid-metadata` when a
 * source is not sendable, or a function throws.
 */
export function resolveMetadata(
  file: FileInfo,
  ...sources: readonly (MetadataOption | undefined)[]
): UploadMetadata {
  const merged: Record<string, string> = {}
  for (const source of sources) {
    if (source === undefined) continue
    let value: unknown
    try {
      value = typeof source === 'function' ? source(file) : source
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw invalidMetadata(file, `the metadata function threw: ${reason}`)
    }
    const problem = metadataProblem(value)
    if (problem) throw invalidMetadata(file, problem)
    Object.assign(merged, value)
  }
  const problem = metadataProblem(merged)
  if (problem) throw invalidMetadata(file, problem)
  return merged
}
