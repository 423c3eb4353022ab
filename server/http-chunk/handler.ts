import { DEFAULT_CORS, withCors } from '../cors'
import type { CorsOptions } from '../cors'
import { isUnder, normalizeBasePath } from '../router'
import type { FetchHandler, RequestContext } from '../router'
import {
  abortUpload,
  claimInstant,
  completeUpload,
  createUpload,
  getStatus,
} from './control-routes'
import { putChunk, putStream } from './data-routes'
import { putSmall } from './small-route'
import { putBatch } from './batch-route'
import { HttpError, errorResponse, notFound } from './errors'
import { ClientGone, DEFAULT_STALL_TIMEOUT_MS } from './body-reader'
import { isUploadId } from './ids'
import { FileStore } from './store'
import { DEFAULT_MAX_FILE_SIZE } from './validate'
import { identify, ownerFromAuthorization } from '../owner'
import type { OwnerOf } from '../owner'
import { resolveCaps, type CapOptions } from '../caps'
import { DEFAULT_CONTROL_BODY_TIMEOUT_MS } from '../control-body'

/** Options of {@link createHttpChunkHandler}. */
export interface HttpChunkHandlerOptions extends CapOptions {
  /** The store to use; or give `root` and one is created. */
  store?: FileStore
  /** Store directory, when no `store` is given. */
  root?: string
  /** Incomplete uploads expire this long after their last chunk (default 24 h); with `root` only. */
  expiresInMs?: number
  /** Where the routes live (default `/http`). */
  basePath?: string
  /** Largest accepted file in bytes (default 50 GiB); bigger ones get 413 `file-too-large`. */
  maxFileSize?: number
  /** Accepted types and extensions (`video/*`, `.mp4`, `application/pdf`); default: all. */
  accept?: readonly string[]
  /** Browser origins allowed to call (default: `http://127.0.0.1:*`, `http://localhost:*`); `false` adds no CORS. */
  cors?: CorsOptions | false
  /** A data body that sends nothing for this long is given up, freeing its chunk (default 30 s). */
  stallTimeoutMs?: number
  /**
   * A control request's JSON body (create, complete, instant) must arrive whole within this
   * long (default 10 s), or it is answered 408 `timeout` and its connection closed.
   */
  controlBodyTimeoutMs?: number
  /**
   * Who is calling (e.g. a user id from your session). Every upload is bound to the identity
   * that created it; another identity gets 404. Default: the `Authorization` header as sent,
   * so an upload created with a token needs the same token; callers without one are
   * anonymous, one identity per address.
   */
  owner?: OwnerOf
  /** Told about unexpected failures (answered as 500 `internal`); default `console.error`. */
  onError?: (error: unknown, request: Request) => void
}

/** A handler bound to its store. */
export type HttpChunkHandler = FetchHandler & { readonly store: FileStore }

const ALLOWED: Record<string, string> = {
  uploads: 'POST, PUT',
  upload: 'GET, PUT, DELETE',
  action: 'POST',
  chunk: 'PUT',
}

/**
 * The HTTP chunk protocol (docs/http-protocol.md) as a web-standard handler: mount it in
 * any server that speaks `Request`/`Response`. Requests outside `basePath` get 404.
 */
export function createHttpChunkHandler(options: HttpChunkHandlerOptions): HttpChunkHandler {
  const store =
    options.store ??
    new FileStore({ root: requireRoot(options.root), expiresInMs: options.expiresInMs })
  const basePath = normalizeBasePath(options.basePath ?? '/http')
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE
  const limits = {
    maxFileSize,
    accept: options.accept ?? [],
    caps: resolveCaps(options, maxFileSize),
  }
  const ownerOfRequest = options.owner ?? ownerFromAuthorization
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS
  const bodyTimeoutMs = options.controlBodyTimeoutMs ?? DEFAULT_CONTROL_BODY_TIMEOUT_MS
  const onError = options.onError ?? ((error: unknown) => console.error('[http-chunk]', error))

  const route = async (request: Request, context?: RequestContext): Promise<Response> => {
    const { pathname } = new URL(request.url)
    if (!isUnder(pathname, basePath)) throw notFound('no such route')
    // Segments stay percent-encoded: an encoded slash or dot can never form a valid id.
    const [root, id, kind, index, ...extra] = pathname.slice(basePath.length + 1).split('/')
    if (root !== 'uploads' || extra.length > 0) throw notFound('no such route')
    await store.ready
    const method = request.method
    // Control bodies are JSON: a form or text/plain POST is what a foreign page can send
    // without a preflight, so it is refused before anything is read or counted.
    if (method === 'POST') requireJson(request)
    const caller = await identify(request, context, ownerOfRequest)
    const owner = caller.owner
    if (id === undefined) {
      if (method === 'POST') return createUpload(request, store, limits, caller, bodyTimeoutMs)
      if (method === 'PUT') return putSmall(request, store, limits, caller, stallTimeoutMs)
      throw notAllowed(ALLOWED.uploads)
    }
    if (id === 'batch' && kind === undefined) {
      if (method === 'PUT') return putBatch(request, store, limits, caller, stallTimeoutMs)
      throw notAllowed('PUT')
    }
    if (!isUploadId(id)) throw notFound()
    if (kind === undefined) {
      if (method === 'GET' || method === 'HEAD') return getStatus(store, id, owner)
      if (method === 'DELETE') return abortUpload(store, id, owner)
      throw notAllowed(ALLOWED.upload)
    }
    if (kind === 'chunks' && index !== undefined) {
      if (method === 'PUT') return putChunk(request, store, id, index, stallTimeoutMs, owner)
      throw notAllowed(ALLOWED.chunk)
    }
    if (index !== undefined) throw notFound('no such route')
    if (kind === 'stream') {
      if (method === 'PUT') return putStream(request, store, id, stallTimeoutMs, owner)
      throw notAllowed('PUT')
    }
    if (kind === 'complete' || kind === 'instant') {
      if (method !== 'POST') throw notAllowed(ALLOWED.action)
      return kind === 'complete'
        ? completeUpload(request, store, id, owner, bodyTimeoutMs)
        : claimInstant(request, store, id, owner, bodyTimeoutMs)
    }
    throw notFound('no such route')
  }

  const handle: FetchHandler = async (request, context) => {
    try {
      return await route(request, context)
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error)
      // Nobody is left to read an answer; the status is for logs only.
      if (error instanceof ClientGone)
        return errorResponse(new HttpError(408, 'timeout', error.message))
      onError(error, request)
      return errorResponse(new HttpError(500, 'internal', 'the server failed; try again later'))
    }
  }
  const handler = options.cors === false ? handle : withCors(handle, options.cors ?? DEFAULT_CORS)
  return Object.assign(handler, { store })
}

/** Throws 415 unless the request says its body is JSON. */
function requireJson(request: Request): void {
  const type = request.headers.get('content-type') ?? ''
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      'control requests must be sent as Content-Type: application/json',
    )
  }
}

const notAllowed = (allow: string): HttpError =>
  new HttpError(405, 'method-not-allowed', `allowed methods: ${allow}`, {}, { allow })

function requireRoot(root: string | undefined): string {
  if (!root) throw new TypeError('createHttpChunkHandler needs `store` or `root`')
  return root
}
