/** The signer's answers: JSON bodies, its failures, and how an S3 error maps to one. */
import {
  CLOSE_CONNECTION,
  ControlBodyError,
  DEFAULT_CONTROL_BODY_TIMEOUT_MS,
  readControlBody,
} from '../control-body'

/** A refusal with its status and error code, answered as `{ error: { code, message } }`. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra members of the `error` object (e.g. a 413's `limit` in bytes). */
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** A JSON answer that no cache keeps. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    },
  })

/** A JSON object body of at most `limit` bytes, arrived whole within `timeoutMs`. */
export async function readJson(
  request: Request,
  limit: number,
  timeoutMs = DEFAULT_CONTROL_BODY_TIMEOUT_MS,
): Promise<Record<string, unknown>> {
  let bytes: Buffer
  try {
    bytes = await readControlBody(request, limit, timeoutMs)
  } catch (error) {
    if (!(error instanceof ControlBodyError)) throw error
    if (error.reason === 'too-large')
      throw new HttpFailure(413, 'too-large', 'request body too large')
    if (error.reason === 'timeout')
      throw new HttpFailure(408, 'timeout', error.message, {}, CLOSE_CONNECTION)
    throw new HttpFailure(400, 'bad-request', error.message)
  }
  if (bytes.byteLength === 0) return {}
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>
    }
  } catch {
    // answered below
  }
  throw new HttpFailure(400, 'bad-request', 'expected a JSON object')
}

/** Maps an S3 SDK error to an answer; unknown and 5xx errors are retryable 502s. */
export function s3Failure(error: unknown): HttpFailure {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  const status = e.$metadata?.httpStatusCode
  if (isGone(error)) {
    return new HttpFailure(404, 'not-found', 'no such upload (aborted, completed or expired)')
  }
  switch (e.name) {
    case 'InvalidPart':
    case 'InvalidPartOrder':
    case 'EntityTooSmall':
      return new HttpFailure(400, e.name, e.message ?? e.name)
  }
  if (status === 503 || status === undefined || status >= 500) {
    return new HttpFailure(502, 'storage-unavailable', 'the storage did not answer')
  }
  return new HttpFailure(502, 'storage-error', `the storage refused: ${e.name ?? status}`)
}

/** True when the request says its body is JSON. */
export const isJson = (request: Request): boolean =>
  /^application\/json\s*(;|$)/i.test(request.headers.get('content-type') ?? '')

/**
 * The upload is gone. AWS says `NoSuchUpload`; Ceph RGW says `NoSuchKey` for an aborted or
 * lifecycle-expired upload (and `NoSuchUpload` only on a second Abort).
 */
export const isGone = (error: unknown) => {
  const name = (error as { name?: string }).name
  return name === 'NoSuchUpload' || name === 'NoSuchKey'
}
