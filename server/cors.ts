import type { FetchHandler } from './router'

/** Which browser origins may call the server. */
export interface CorsOptions {
  /**
   * Exact origins (`https://app.example.com`), origins with any port (`http://localhost:*`),
   * or `'*'` for every origin. Uploads are authorized by unguessable ids, not cookies, so
   * credentials are never allowed.
   */
  origins: readonly string[] | '*'
  /** How long a browser may cache a preflight answer (default 600 s). */
  maxAgeSeconds?: number
}

/** Local development pages only: any port on the loopback names. */
export const DEFAULT_CORS: CorsOptions = { origins: ['http://127.0.0.1:*', 'http://localhost:*'] }

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
const DEFAULT_ALLOWED_HEADERS = 'Content-Type, Content-MD5, Upload-Offset'
/** Headers a page may read from our answers beyond the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'Retry-After, Upload-Offset, Location, ETag'
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/

/** True when `origin` is allowed by `options`. */
export function isOriginAllowed(origin: string, options: CorsOptions): boolean {
  if (options.origins === '*') return true
  return options.origins.some((rule) => {
    if (!rule.endsWith(':*')) return rule === origin
    const base = rule.slice(0, -2)
    return (
      origin === base ||
      (origin.startsWith(`${base}:`) && /^\d{1,5}$/.test(origin.slice(base.length + 1)))
    )
  })
}

/**
 * Adds CORS to a handler: answers preflights itself and marks answers readable by allowed
 * origins. A disallowed origin gets answers without CORS headers, which the browser blocks.
 */
export function withCors(handler: FetchHandler, options: CorsOptions = DEFAULT_CORS): FetchHandler {
  return async (request, context) => {
    const origin = request.headers.get('origin')
    const allowed = origin !== null && isOriginAllowed(origin, options)
    if (request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
      const headers = new Headers({ vary: 'Origin' })
      if (allowed) {
        const requested = request.headers.get('access-control-request-headers')
        headers.set('access-control-allow-origin', origin)
        headers.set('access-control-allow-methods', ALLOWED_METHODS)
        headers.set(
          'access-control-allow-headers',
          requested && HEADER_LIST.test(requested) ? requested : DEFAULT_ALLOWED_HEADERS,
        )
        headers.set('access-control-max-age', String(options.maxAgeSeconds ?? 600))
        if (request.headers.get('access-control-request-private-network') === 'true') {
          headers.set('access-control-allow-private-network', 'true')
        }
      }
      return new Response(null, { status: 204, headers })
    }
    const response = await handler(request, context)
    if (!allowed) return response
    // Responses built by other code may have immutable headers: copy into a fresh one.
    const headers = new Headers(response.headers)
    headers.set('access-control-allow-origin', origin)
    headers.set('access-control-expose-headers', EXPOSED_HEADERS)
    headers.append('vary', 'Origin')
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    })
  }
}
