import { isRetryableStatus, parseRetryAfter, UploadError, type UploadErrorCode } from './errors'
import type { HttpResponse } from './types'

/** Helpers for protocols: turning responses into typed errors and parsed bodies. */

const CODE_BY_STATUS: Readonly<Record<number, UploadErrorCode>> = {
  404: 'not-found',
  410: 'expired',
  413: 'file-too-large',
  415: 'file-type-rejected',
}

/**
 * An `UploadError` for an unexpected status: retryable for 408/409/423/425/429/5xx with the
 * server's Retry-After; `not-found`, `expired`, `file-too-large`, `file-type-rejected` for
 * the statuses that mean them; `rejected` for any other 4xx.
 */
export function httpError(response: HttpResponse, now: number, what: string): UploadError {
  const { status } = response
  const retryable = isRetryableStatus(status)
  const code: UploadErrorCode = retryable
    ? 'server'
    : (CODE_BY_STATUS[status] ?? (status >= 400 && status < 500 ? 'rejected' : 'protocol'))
  const limit = serverLimit(response)
  return new UploadError(code, `${what} failed with HTTP ${status}${serverMessage(response)}`, {
    retryable,
    status,
    retryAfterMs: parseRetryAfter(response.headers['retry-after'], now),
    cause: { status, body: response.body.slice(0, 500) },
    params:
      code === 'file-too-large' && limit !== undefined
        ? { status, maxFileSize: limit }
        : { status },
  })
}

/** The byte limit a server put in `{ error: { limit } }` (the reference server's 413s). */
function serverLimit(response: HttpResponse): number | undefined {
  const body = tryParse(response.body)
  const error = isObject(body) && isObject(body.error) ? body.error : undefined
  return error && Number.isSafeInteger(error.limit) ? (error.limit as number) : undefined
}

function serverMessage(response: HttpResponse): string {
  const body = tryParse(response.body)
  const error = isObject(body) && isObject(body.error) ? body.error : undefined
  return error && typeof error.message === 'string' ? `: ${error.message.slice(0, 200)}` : ''
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Parses a JSON object body; garbage (an HTML error page from a proxy, a truncated body)
 * becomes a `protocol` error that names what was expected, never a raw SyntaxError.
 */
export function parseJsonObject(response: HttpResponse, what: string): Record<string, unknown> {
  const body = tryParse(response.body)
  if (!isObject(body)) {
    throw new UploadError('protocol', `${what}: the server did not answer with a JSON object`, {
      retryable: false,
      status: response.status,
      cause: { body: response.body.slice(0, 500) },
    })
  }
  return body
}

/** Reads an error code a server put in `{ error: { code } }`, if any. */
export function serverErrorCode(response: HttpResponse): string | undefined {
  const body = tryParse(response.body)
  const error = isObject(body) && isObject(body.error) ? body.error : undefined
  return error && typeof error.code === 'string' ? error.code : undefined
}
