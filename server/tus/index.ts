/**
 * The reference server's tus 1.0 endpoint: @tus/server with @tus/file-store, through its
 * web-standard handler, so it mounts on the reference server's listener beside the HTTP
 * chunk routes (`routes: [createTusEndpoint({ root })]`).
 */
import { mkdirSync } from 'node:fs'
import { EVENTS, Server } from '@tus/server'
import { checkCaps, freeBytes, resolveCaps, type CapOptions } from '../caps'
import { DEFAULT_CORS, isOriginAllowed, type CorsOptions } from '../cors'
import { sanitizeFileName } from '../http-chunk/names'
import { normalizeBasePath, type RouteMount } from '../router'
import { identify, ownerFromAuthorization, type Caller, type OwnerOf } from '../owner'
import { useRfc6266Names } from './download'
import { TUS_ADDRESS_KEY, TUS_OWNER_KEY, TusOpenUploads } from './open-uploads'
import { TusFileStore, isTusId, newTusId } from './store'

export { TUS_ADDRESS_KEY, TUS_OWNER_KEY } from './open-uploads'
export { TusFileStore, isTusId } from './store'

/** Default expiry of unfinished tus uploads: 7 days, like the resume records. */
export const DEFAULT_TUS_EXPIRES_IN_MS = 7 * 24 * 60 * 60 * 1000
/** Default largest upload: 64 GiB. */
export const DEFAULT_TUS_MAX_SIZE = 64 * 1024 ** 3

/** Options of {@link createTusEndpoint}. */
export interface TusEndpointOptions extends CapOptions {
  /** Directory of the uploads (created when missing). */
  root: string
  /** Default `/tus`. */
  basePath?: string
  /** Largest upload in bytes, announced as `Tus-Max-Size` (default 64 GiB). */
  maxSize?: number
  /** Unfinished uploads expire this long after creation (default 7 days; 0 = never). */
  expiresInMs?: number
  /** Browser origins allowed to call the endpoint (default: loopback pages only). */
  cors?: CorsOptions
  /**
   * Who is calling; an upload answers only the identity that created it (others get 404).
   * Default: the `Authorization` header as sent; anonymous callers are told apart by address.
   */
  owner?: OwnerOf
  /** Told about unexpected failures (answered as a generic 500); default `console.error`. */
  onError?: (error: unknown, request: Request) => void
}

/** A mountable tus endpoint. */
export interface TusEndpoint extends RouteMount {
  /** The @tus/server instance, for its events (`server.on(EVENTS.POST_FINISH, …)`). */
  readonly tus: Server
  readonly store: TusFileStore
  /** Removes expired unfinished uploads; resolves to how many. */
  sweep(): Promise<number>
}

/**
 * Headers a page must read beyond @tus/server's defaults (which already expose
 * `Upload-Offset`, `Location`, `Upload-Length` and `Tus-*`).
 */
const EXTRA_EXPOSED = ['Upload-Expires', 'Retry-After']
const GENERIC_500 = 'the server failed; try again later\n'
const notFound = { status_code: 404, body: 'The file for this url was not found\n' }

/** Builds the tus endpoint (nothing listens until it is mounted). */
export function createTusEndpoint(options: TusEndpointOptions): TusEndpoint {
  const basePath = normalizeBasePath(options.basePath ?? '/tus')
  const cors = options.cors ?? DEFAULT_CORS
  const owner = options.owner ?? ownerFromAuthorization
  const maxSize = options.maxSize ?? DEFAULT_TUS_MAX_SIZE
  const caps = resolveCaps(options, maxSize)
  const onError = options.onError ?? ((error: unknown) => console.error('[tus]', error))
  mkdirSync(options.root, { recursive: true })
  const store = new TusFileStore({
    directory: options.root,
    expirationPeriodInMilliseconds: options.expiresInMs ?? DEFAULT_TUS_EXPIRES_IN_MS,
  })
  const open = new TusOpenUploads(store, maxSize)
  /** The caller of each request in flight, for @tus/server's hooks (which get the Request). */
  const callers = new WeakMap<Request, Caller>()
  const callerOf = (req: Request): Caller => {
    const caller = callers.get(req)
    if (!caller) throw new Error('tus hook called for a request the endpoint did not see')
    return caller
  }

  const tus = new Server({
    path: basePath,
    datastore: store,
    maxSize,
    namingFunction: newTusId,
    allowedOrigins: (origin) => isOriginAllowed(origin, cors),
    exposedHeaders: EXTRA_EXPOSED,
    onUploadCreate: async (req, upload) => {
      const caller = callerOf(req)
      const size = upload.size ?? maxSize
      if (size > (await freeBytes(options.root))) {
        throw { status_code: 507, body: 'Not enough free space for this upload\n' }
      }
      const uploads = await open.current()
      const refused = checkCaps(caps, uploads.values(), caller, size)
      if (refused) throw { status_code: 429, body: `${refused.message}\n` }
      uploads.set(upload.id, { owner: caller.owner, address: caller.address, size })
      const metadata = { ...upload.metadata }
      // The creator's identity, whatever the client sent under these keys.
      metadata[TUS_OWNER_KEY] = caller.owner
      metadata[TUS_ADDRESS_KEY] = caller.address
      if (typeof metadata.filename === 'string')
        metadata.filename = sanitizeFileName(metadata.filename)
      return { metadata }
    },
    // Every request on an existing upload must come from its creator; others see a 404,
    // exactly like an id that does not exist, and nothing is touched.
    onIncomingRequest: async (req, id) => {
      if (req.method === 'POST') return
      if (!isTusId(id)) throw notFound
      const upload = await store.getUpload(id).catch(() => undefined)
      if (upload?.metadata?.[TUS_OWNER_KEY] !== callerOf(req).owner) throw notFound
    },
    onUploadFinish: async (_req, upload) => {
      await store.syncData(upload.id)
      await open.remove(upload.id)
      return {}
    },
    // Internal messages (paths, stack details) never reach a client.
    onResponseError: (req, error) => {
      // Errors with a status are @tus/server's and ours, with fixed bodies.
      if (typeof (error as { status_code?: unknown }).status_code === 'number') return undefined
      onError(error, req)
      return { status_code: 500, body: GENERIC_500 }
    },
  })
  tus.on(EVENTS.POST_TERMINATE, (_req, _res, id: string) => void open.remove(id))
  useRfc6266Names(tus)

  return {
    basePath,
    handler: async (request, context) => {
      callers.set(request, await identify(request, context, owner))
      return tus.handleWeb(request)
    },
    tus,
    store,
    sweep: async () => {
      const removed = await tus.cleanUpExpiredUploads()
      open.reload()
      return removed
    },
  }
}
