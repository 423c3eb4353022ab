/** What the listener knows about a request beyond the request itself. */
export interface RequestContext {
  /** The peer's address as the socket saw it (never a client-sent header). */
  clientAddress?: string
}

/**
 * A web-standard request handler: what every protocol endpoint of the server is. The
 * context is optional so handlers mount in any framework; pass it where the framework
 * knows the peer address (it keys the per-client cap of open uploads).
 */
export type FetchHandler = (request: Request, context?: RequestContext) => Promise<Response>

/** One protocol endpoint mounted under a path prefix (e.g. `/http`, `/s3`, `/tus`). */
export interface RouteMount {
  /** Path prefix, starting with `/`, without a trailing slash. */
  basePath: string
  /** Receives the full request (it knows its own base path). */
  handler: FetchHandler
}

/** Normalizes a base path to `/a/b` form; `/` and `` mean the root. */
export function normalizeBasePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '')
  if (trimmed === '') return ''
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`
}

/** True when `pathname` is `basePath` itself or below it (segment-wise: `/http` ≠ `/httpx`). */
export function isUnder(pathname: string, basePath: string): boolean {
  return basePath === '' || pathname === basePath || pathname.startsWith(`${basePath}/`)
}

const notFound = (): Response =>
  new Response(JSON.stringify({ error: { code: 'not-found', message: 'no such route' } }), {
    status: 404,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })

/**
 * Dispatches by path prefix, the longest prefix first, so endpoints written separately
 * (HTTP chunk, S3 signing, tus) share one listener. Unmatched paths get a JSON 404.
 */
export function createRouter(mounts: readonly RouteMount[]): FetchHandler {
  const ordered = mounts
    .map((mount) => ({ ...mount, basePath: normalizeBasePath(mount.basePath) }))
    .sort((a, b) => b.basePath.length - a.basePath.length)
  return async (request, context) => {
    const { pathname } = new URL(request.url)
    const mount = ordered.find((candidate) => isUnder(pathname, candidate.basePath))
    return mount ? mount.handler(request, context) : notFound()
  }
}
