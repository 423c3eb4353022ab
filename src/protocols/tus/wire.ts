import { UploadError, type HttpResponse } from '../../core'

/** Header-level details of tus 1.0 (https://tus.io/protocols/resumable-upload). */

export const TUS_VERSION = '1.0.0'
export const OFFSET_CONTENT_TYPE = 'application/offset+octet-stream'

/** What a server says about itself in its OPTIONS answer. */
export interface TusServerInfo {
  readonly versions: readonly string[]
  readonly extensions: ReadonlySet<string>
  /** `Tus-Max-Size`, when announced. */
  readonly maxSize?: number
  /** `Tus-Checksum-Algorithm`, lower-case. */
  readonly checksumAlgorithms: ReadonlySet<string>
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

export function parseServerInfo(response: HttpResponse): TusServerInfo {
  const maxSize = Number(response.headers['tus-max-size'])
  return {
    versions: list(response.headers['tus-version']),
    extensions: new Set(list(response.headers['tus-extension']).map((e) => e.toLowerCase())),
    maxSize: Number.isSafeInteger(maxSize) && maxSize > 0 ? maxSize : undefined,
    checksumAlgorithms: new Set(
      list(response.headers['tus-checksum-algorithm']).map((a) => a.toLowerCase()),
    ),
  }
}

/** A server that answers OPTIONS with no tus headers: assume the core protocol plus creation. */
export const ASSUMED_SERVER: TusServerInfo = {
  versions: [TUS_VERSION],
  extensions: new Set(['creation', 'termination']),
  checksumAlgorithms: new Set(),
}

/** Base64 of the UTF-8 bytes of `text` (Upload-Metadata values). */
export function base64Utf8(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** Base64 of the bytes a hex digest spells (Upload-Checksum wants the raw digest). */
export function hexToBase64(hex: string): string {
  let binary = ''
  for (let i = 0; i + 1 < hex.length; i += 2) {
    binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16))
  }
  return btoa(binary)
}

/** Keys must be non-empty ASCII without spaces or commas; others are left out, not sent broken. */
const METADATA_KEY = /^[\x21-\x2b\x2d-\x7e]+$/

/** `Upload-Metadata`: comma-separated `key base64(value)` pairs; empty values are left out. */
export function encodeMetadata(entries: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(entries)
    .filter((entry): entry is [string, string] => METADATA_KEY.test(entry[0]) && !!entry[1])
    .map(([key, value]) => `${key} ${base64Utf8(value)}`)
    .join(',')
}

function malformed(what: string, status: number): UploadError {
  return new UploadError('protocol', `${what}: the tus server's answer is malformed`, {
    retryable: false,
    status,
  })
}

/** A non-negative integer header, or a `protocol` error naming what was expected. */
export function integerHeader(response: HttpResponse, name: string, what: string): number {
  const raw = response.headers[name]
  const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw)
  if (!Number.isSafeInteger(value) || value < 0) throw malformed(what, response.status)
  return value
}

/** The upload URL from a creation answer, resolved against the endpoint. */
export function locationOf(response: HttpResponse, endpoint: string, what: string): string {
  const location = response.headers.location
  if (!location) throw malformed(what, response.status)
  try {
    return new URL(location, `${endpoint}/`).href
  } catch {
    throw malformed(what, response.status)
  }
}

/** `Upload-Expires` (an HTTP date) in epoch ms, when present and readable. */
export function expiresOf(response: HttpResponse): number | undefined {
  const raw = response.headers['upload-expires']
  if (!raw) return undefined
  const at = Date.parse(raw)
  return Number.isNaN(at) ? undefined : at
}

/** The error for an upload past its `Upload-Expires`: the engine then starts over. */
export function expiredError(at: number): UploadError {
  return new UploadError('expired', `The tus upload expired at ${new Date(at).toISOString()}`, {
    retryable: false,
  })
}

/**
 * A partial upload's URL as the final concatenation lists it: the path when it shares the
 * endpoint's origin (shorter headers), the full URL otherwise.
 */
export function concatReference(url: string, endpoint: string): string {
  const parsed = new URL(url)
  return parsed.origin === new URL(endpoint).origin ? parsed.pathname + parsed.search : url
}
