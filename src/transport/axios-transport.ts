/**
 * core's `Transport` port on axios: XHR in browsers (the only way to get upload progress),
 * Node's http module elsewhere. Statuses are returned, never thrown; bodies go out as they
 * are, so a File is streamed by the platform instead of read into memory. axios is imported
 * when the first upload starts (`prepare`) or on the first request: an app pays for it only
 * when it uploads, and a server render (which never sends) never loads it or its Node
 * dependencies.
 */
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse, AxiosStatic } from 'axios'
import { UploadError, abortError, throwIfAborted } from '../core/errors'
import type { HttpRequest, HttpResponse, RequestBody, Transport } from '../core/types'

/** Options of {@link createAxiosTransport}. */
export interface AxiosTransportOptions {
  /** The instance to send with (its interceptors and defaults apply). Default: axios's default instance. */
  readonly axios?: AxiosInstance
  /** Send cookies and HTTP auth on cross-origin requests (XHR `withCredentials`). Default `false`. */
  readonly withCredentials?: boolean
}

const OCTET_STREAM = 'application/octet-stream'

/** Axios codes for mistakes in the request itself: sending it again cannot help. */
const PERMANENT_CODES = new Set([
  'ERR_BAD_OPTION',
  'ERR_BAD_OPTION_VALUE',
  'ERR_BAD_REQUEST',
  'ERR_INVALID_URL',
  'ERR_NOT_SUPPORT',
  'ERR_DEPRECATED',
])

const identity = <T>(value: T): T => value

/** axios's default instance, imported once, on the first request that needs it. */
let loading: Promise<AxiosStatic> | undefined
const loadAxios = (): Promise<AxiosStatic> =>
  (loading ??= import('axios').then((module) => module.default))

/** A {@link Transport} that sends with axios. */
export function createAxiosTransport(options: AxiosTransportOptions = {}): Transport {
  const { withCredentials = false } = options
  return {
    prepare() {
      // Reported by the first request if it fails: not here, and never unhandled.
      loadAxios().catch(() => undefined)
    },
    async request(request: HttpRequest): Promise<HttpResponse> {
      throwIfAborted(request.signal)
      const axios = await loadAxios()
      throwIfAborted(request.signal)
      const client = options.axios ?? axios
      let response: AxiosResponse<unknown>
      try {
        response = await client.request(toAxiosConfig(request, withCredentials))
      } catch (error) {
        throw toTransportError(axios, error, request.signal)
      }
      return {
        status: response.status,
        headers: lowerCaseHeaders(response.headers),
        body: typeof response.data === 'string' ? response.data : String(response.data ?? ''),
      }
    },
  }
}

function toAxiosConfig(request: HttpRequest, withCredentials: boolean): AxiosRequestConfig {
  const headers: Record<string, string | false> = { ...request.headers }
  const given = Object.keys(headers).find((name) => name.toLowerCase() === 'content-type')
  const form = isForm(request.body)
  const isBinary = request.body !== undefined && typeof request.body !== 'string' && !form
  const contentType =
    given === undefined ? (isBinary ? OCTET_STREAM : undefined) : request.headers?.[given]
  // `false` makes axios send no Content-Type at all: otherwise it adds
  // application/x-www-form-urlencoded to every POST, PUT and PATCH that has none. A form's
  // Content-Type (with its boundary) is the platform's to set: axios leaves it to the
  // browser, and in Node writes the one of the stream it builds.
  if (given === undefined && !form) headers['Content-Type'] = contentType ?? false
  const { onUploadProgress } = request

  return {
    method: request.method,
    url: request.url,
    headers,
    data: toWireBody(request.body, contentType),
    signal: request.signal,
    timeout: request.timeoutMs ?? 0,
    withCredentials,
    // The protocols interpret every status and parse every body themselves.
    validateStatus: () => true,
    responseType: 'text',
    transformRequest: [identity],
    transformResponse: [identity],
    // Distinguishes a timeout (ETIMEDOUT) from a request the browser dropped (ECONNABORTED).
    transitional: { clarifyTimeoutError: true },
    // In Node, following redirects (follow-redirects) buffers the whole body in memory to
    // replay it. Uploads are never redirected; a 3xx comes back as a status. Browsers ignore this.
    maxRedirects: 0,
    onUploadProgress: onUploadProgress && ((event) => onUploadProgress(event.loaded)),
  }
}

/**
 * What axios is handed. A Blob stays a Blob: XHR and Node both stream it from its source.
 * Browsers send the File itself much faster than any slice of it, so it goes to XHR untouched.
 */
function toWireBody(body: RequestBody | undefined, contentType: string | undefined): unknown {
  if (body === undefined || typeof body === 'string' || body instanceof ArrayBuffer) return body
  if (isForm(body)) return body
  if (body instanceof Uint8Array) {
    // A view over part of a buffer must send only its own bytes.
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
    return whole && body.buffer instanceof ArrayBuffer ? body.buffer : body.slice().buffer
  }
  if (contentType !== undefined && body.type !== contentType.toLowerCase() && sendsBlobOwnType()) {
    // A re-typed view: slice() copies nothing, and a disk-backed Blob stays disk-backed.
    return body.slice(0, body.size, contentType)
  }
  return body
}

/** A FormData body (where the platform has FormData at all). */
const isForm = (body: unknown): body is FormData =>
  typeof FormData !== 'undefined' && body instanceof FormData

/**
 * Without XMLHttpRequest axios uses its Node http adapter, which sends a Blob's own type as
 * the Content-Type over the one in the headers (tus needs application/offset+octet-stream).
 * Checked per request, never at import.
 */
function sendsBlobOwnType(): boolean {
  return typeof XMLHttpRequest === 'undefined'
}

function lowerCaseHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  const raw: Record<string, unknown> =
    typeof headers?.toJSON === 'function' ? headers.toJSON() : { ...(headers ?? {}) }
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

/**
 * Maps what axios threw to the port's contract: the signal's reason when it was aborted
 * (so a pause or stall reason survives), `timeout`, or `network`.
 */
function toTransportError(axios: AxiosStatic, error: unknown, signal: AbortSignal): UploadError {
  if (signal.aborted) return abortError(signal)
  if (error instanceof UploadError) return error // thrown by an interceptor
  if (axios.isCancel(error)) {
    return new UploadError('aborted', 'The request was cancelled', {
      cause: error,
      retryable: false,
    })
  }
  const code = axios.isAxiosError(error) ? error.code : undefined
  const message = error instanceof Error ? error.message : String(error)
  if (code === 'ETIMEDOUT' || (code === 'ECONNABORTED' && /timeout/i.test(message))) {
    return new UploadError('timeout', message, { cause: error, retryable: true })
  }
  const permanent = code !== undefined && PERMANENT_CODES.has(code)
  return new UploadError('network', message, { cause: error, retryable: !permanent })
}
