/**
 * The reference server of vue-chunked-upload: the HTTP chunk protocol on a filesystem
 * store, as web-standard handlers that mount in any Node app, plus a ready-made listener.
 * Other protocol endpoints (S3 signing, tus) join through `routes`.
 */
import { createHttpChunkHandler } from './http-chunk/handler'
import type { HttpChunkHandlerOptions } from './http-chunk/handler'
import { FileStore } from './http-chunk/store'
import { serve } from './node-listener'
import type { ServeOptions } from './node-listener'
import { LOOPBACK_HOSTS, withAllowedHosts } from './hosts'
import { createRouter, normalizeBasePath } from './router'
import type { FetchHandler, RouteMount } from './router'

export { createHttpChunkHandler } from './http-chunk/handler'
export type { HttpChunkHandler, HttpChunkHandlerOptions } from './http-chunk/handler'
export { FileStore, DEFAULT_EXPIRES_IN_MS } from './http-chunk/store'
export type { FileStoreOptions, Lookup, CompleteOutcome, NewUpload } from './http-chunk/store'
export type { CompletedMeta, UploadMeta } from './http-chunk/meta'
export {
  DEFAULT_MAX_FILE_SIZE,
  DEFAULT_MAX_OPEN_UPLOADS,
  MIN_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
} from './http-chunk/validate'
export { isUploadId } from './http-chunk/ids'
export { sanitizeFileName, MAX_NAME_BYTES } from './http-chunk/names'
export { ownerFromAuthorization, identify } from './owner'
export type { OwnerOf, Caller } from './owner'
export { resolveCaps, checkCaps } from './caps'
export type { CapOptions, Caps } from './caps'
export { isHostAllowed, withAllowedHosts, LOOPBACK_HOSTS } from './hosts'
export { createRouter, normalizeBasePath, isUnder } from './router'
export type { FetchHandler, RequestContext, RouteMount } from './router'
export { withCors, isOriginAllowed, DEFAULT_CORS } from './cors'
export type { CorsOptions } from './cors'
export {
  createNodeListener,
  serve,
  clientAddress,
  DEFAULT_HEADERS_TIMEOUT_MS,
} from './node-listener'
export { DEFAULT_CONTROL_BODY_TIMEOUT_MS } from './control-body'
export type { Listening, ServeOptions } from './node-listener'

/** Options of {@link createReferenceServer}. */
export interface ReferenceServerOptions extends Pick<
  HttpChunkHandlerOptions,
  | 'maxFileSize'
  | 'accept'
  | 'expiresInMs'
  | 'cors'
  | 'stallTimeoutMs'
  | 'controlBodyTimeoutMs'
  | 'onError'
  | 'owner'
  | 'maxOpenUploads'
  | 'maxOpenBytes'
  | 'maxOpenUploadsPerAddress'
  | 'maxOpenBytesPerAddress'
> {
  /** Store directory (created when missing). */
  root: string
  /** Base path of the HTTP chunk routes (default `/http`). */
  basePath?: string
  /** More endpoints on the same listener, each under its own base path. */
  routes?: readonly RouteMount[]
  /**
   * Host names (any port) or `name:port`s requests may be addressed to; others get 421
   * `misdirected` (DNS rebinding, forged tus `Location`s). Default `'*'` (no check) here;
   * {@link startReferenceServer} on a loopback interface defaults to the loopback names.
   */
  allowedHosts?: readonly string[] | '*'
}

/** A mountable reference server. */
export interface ReferenceServer {
  /** Dispatches every mounted endpoint; unmatched paths answer a JSON 404. */
  handler: FetchHandler
  /** The HTTP chunk protocol's filesystem store. */
  store: FileStore
  /** Every mount, the HTTP chunk one first. */
  routes: readonly RouteMount[]
  /** Base path of the HTTP chunk routes, normalized (e.g. `/http`). */
  httpBasePath: string
  /** Removes expired incomplete uploads now; resolves to how many were removed. */
  sweep(): Promise<number>
  /** Writes pending state to disk. The server takes no requests afterwards. */
  close(): Promise<void>
}

/** Builds the reference server's handler and store without listening anywhere. */
export function createReferenceServer(options: ReferenceServerOptions): ReferenceServer {
  const store = new FileStore({ root: options.root, expiresInMs: options.expiresInMs })
  const httpBasePath = normalizeBasePath(options.basePath ?? '/http')
  const http = createHttpChunkHandler({ ...options, store, basePath: httpBasePath })
  const routes: RouteMount[] = [
    { basePath: httpBasePath, handler: http },
    ...(options.routes ?? []),
  ]
  let closed = false
  const router = withAllowedHosts(createRouter(routes), options.allowedHosts ?? '*')
  const handler: FetchHandler = (request, context) =>
    closed
      ? Promise.resolve(new Response(null, { status: 503, headers: { 'retry-after': '1' } }))
      : router(request, context)
  return {
    handler,
    store,
    routes,
    httpBasePath,
    sweep: () => store.sweep(),
    close: async () => {
      closed = true
      await store.ready.catch(() => undefined)
      await store.flush()
    },
  }
}

/** Options of {@link startReferenceServer}. */
export interface StartReferenceServerOptions
  extends
    ReferenceServerOptions,
    Pick<ServeOptions, 'trustedProxies' | 'idleTimeoutMs' | 'headersTimeoutMs'> {
  /** Default `127.0.0.1`. */
  host?: string
  /** Default 0 (any free port). */
  port?: number
  /** How often expired uploads are swept (default: a quarter of the expiry, 1 s to 10 min). */
  sweepIntervalMs?: number
}

/** A listening reference server. */
export interface RunningReferenceServer {
  /** Origin of the listener, e.g. `http://127.0.0.1:8787`. */
  url: string
  /** Base URL of the HTTP chunk routes, e.g. `http://127.0.0.1:8787/http`. */
  httpUrl: string
  port: number
  server: ReferenceServer
  /** Stops sweeping, closes every connection and writes pending state. */
  close(): Promise<void>
}

/** Starts the reference server on a node:http listener (127.0.0.1 by default). */
export async function startReferenceServer(
  options: StartReferenceServerOptions,
): Promise<RunningReferenceServer> {
  const host = options.host ?? '127.0.0.1'
  const allowedHosts = options.allowedHosts ?? (isLoopback(host) ? LOOPBACK_HOSTS : '*')
  const server = createReferenceServer({ ...options, allowedHosts })
  await server.store.ready
  const listening = await serve(server.handler, {
    host,
    port: options.port,
    trustedProxies: options.trustedProxies,
    idleTimeoutMs: options.idleTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs,
  })
  const expiresInMs = server.store.expiresInMs
  const every = options.sweepIntervalMs ?? Math.min(10 * 60_000, Math.max(1000, expiresInMs / 4))
  const timer = setInterval(() => {
    server
      .sweep()
      .catch((error: unknown) => console.error('[reference-server] sweep failed', error))
  }, every)
  timer.unref()
  return {
    url: listening.url,
    httpUrl: listening.url + server.httpBasePath,
    port: listening.port,
    server,
    close: async () => {
      clearInterval(timer)
      await listening.close()
      await server.close()
    },
  }
}

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.')
