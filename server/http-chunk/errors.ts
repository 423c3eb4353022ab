/** Error codes of the HTTP chunk protocol (docs/http-protocol.md, "Errors"). */
export type ProtocolErrorCode =
  | 'bad-request'
  | 'chunk-size-mismatch'
  | 'bad-offset'
  | 'bad-digest'
  | 'not-found'
  | 'method-not-allowed'
  | 'incomplete'
  | 'offset-mismatch'
  | 'expired'
  | 'file-too-large'
  | 'body-too-large'
  | 'file-type-rejected'
  | 'hash-mismatch'
  | 'busy'
  | 'too-many-uploads'
  | 'insufficient-storage'
  | 'unsupported-media-type'
  | 'misdirected'
  | 'timeout'
  | 'internal'

/**
 * A failure with a protocol status and code. Thrown anywhere inside the handler; the
 * handler turns it into the JSON error body, and anything else into a bare 500 so no
 * stack trace or internal message ever reaches a client.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ProtocolErrorCode,
    message: string,
    /** Extra members of the `error` object (e.g. `missing` ranges). */
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** A JSON response with the protocol's content type. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  const text = JSON.stringify(body)
  return new Response(text, {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
      ...headers,
    },
  })
}

/** The protocol's error body for `error`. */
export function errorResponse(error: HttpError): Response {
  const body = { error: { code: error.code, message: error.message, ...error.details } }
  return jsonResponse(body, error.status, error.headers)
}

export const notFound = (what = 'unknown upload'): HttpError =>
  new HttpError(404, 'not-found', what)
export const badRequest = (message: string): HttpError => new HttpError(400, 'bad-request', message)
