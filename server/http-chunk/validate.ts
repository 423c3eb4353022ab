import { HttpError, badRequest } from './errors'
import { sanitizeFileName } from './names'
import { parseMetadata } from '../metadata'
import type { NewUpload } from './store'
import type { Caps } from '../caps'

export const MIN_CHUNK_SIZE = 256 * 1024
export const MAX_CHUNK_SIZE = 512 * 1024 * 1024
export const MAX_CHUNKS = 10_000
export const DEFAULT_MAX_FILE_SIZE = 50 * 1024 ** 3
export { DEFAULT_MAX_OPEN_UPLOADS } from '../caps'

/** Server-side limits a create request is checked against. */
export interface UploadLimits {
  maxFileSize: number
  /** Like an `<input accept>`: `.ext`, `type/*` or `type/subtype`; empty accepts anything. */
  accept: readonly string[]
  /** What one identity and one address may hold open; more get 429 `too-many-uploads`. */
  caps: Caps
}

const HASH = /^[0-9a-f]{32}$/
// Types and fingerprints are only stored and echoed, never used in paths; control characters
// are still refused so they cannot corrupt logs or headers of apps that display them. Names
// are real file names (control characters are legal on some systems): they are sanitized.
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

function text(
  value: unknown,
  field: string,
  max: number,
  required: boolean,
  controlsAllowed = false,
): string {
  if (value === undefined || value === null) {
    if (required) throw badRequest(`${field} is required`)
    return ''
  }
  if (
    typeof value !== 'string' ||
    value.length > max ||
    (!controlsAllowed && hasControlCharacter(value)) ||
    (required && value.length === 0)
  ) {
    throw badRequest(`${field} must be a string of at most ${max} printable characters`)
  }
  return value
}

/** A full-file MD5 as the protocol sends it, or null when absent. */
export function parseHash(value: unknown, required = false): string | null {
  if ((value === undefined || value === null) && !required) return null
  if (typeof value !== 'string' || !HASH.test(value.toLowerCase()))
    throw badRequest('hash must be an MD5 in 32 hex digits')
  return value.toLowerCase()
}

/** Validates a create body against the limits; throws the protocol error for the first fault. */
export function parseCreate(
  body: Record<string, unknown>,
  limits: UploadLimits,
): NewUpload & { hash: string | null } {
  const name = sanitizeFileName(text(body.name, 'name', 1024, true, true))
  const type = text(body.type, 'type', 255, false).toLowerCase()
  const { size, chunkSize } = body
  if (!Number.isSafeInteger(size) || (size as number) < 0)
    throw badRequest('size must be a whole number of bytes')
  if ((size as number) > limits.maxFileSize) {
    throw new HttpError(
      413,
      'file-too-large',
      `the file is ${size} bytes; the limit is ${limits.maxFileSize}`,
      { limit: limits.maxFileSize },
    )
  }
  if (
    !Number.isSafeInteger(chunkSize) ||
    (chunkSize as number) < MIN_CHUNK_SIZE ||
    (chunkSize as number) > MAX_CHUNK_SIZE
  ) {
    throw badRequest(`chunkSize must be a whole number in [${MIN_CHUNK_SIZE}, ${MAX_CHUNK_SIZE}]`)
  }
  if (Math.ceil((size as number) / (chunkSize as number)) > MAX_CHUNKS) {
    throw badRequest(`chunkSize ${chunkSize} gives more than ${MAX_CHUNKS} chunks`)
  }
  const lastModified = body.lastModified
  if (
    lastModified !== undefined &&
    lastModified !== null &&
    !(typeof lastModified === 'number' && Number.isFinite(lastModified))
  ) {
    throw badRequest('lastModified must be a number')
  }
  const fingerprint = text(body.fingerprint, 'fingerprint', 256, false) || null
  const parsed = parseMetadata(body.metadata)
  if (parsed.problem !== undefined) throw badRequest(parsed.problem)
  if (!isAccepted(name, type, limits.accept)) {
    throw new HttpError(
      415,
      'file-type-rejected',
      `files of type "${type || 'unknown'}" named like "${name}" are not accepted`,
    )
  }
  return {
    name,
    type,
    size: size as number,
    chunkSize: chunkSize as number,
    lastModified: (lastModified as number | null | undefined) ?? null,
    fingerprint,
    ...(Object.keys(parsed.metadata).length > 0 ? { metadata: parsed.metadata } : {}),
    hash: parseHash(body.hash),
  }
}

/** Matches a declared name and type against an accept list, case-insensitively. */
export function isAccepted(name: string, type: string, accept: readonly string[]): boolean {
  if (accept.length === 0) return true
  const lowerName = name.toLowerCase()
  return accept.some((raw) => {
    const rule = raw.trim().toLowerCase()
    if (rule.startsWith('.')) return lowerName.endsWith(rule)
    if (rule.endsWith('/*')) return type.startsWith(rule.slice(0, -1))
    return rule === type
  })
}
