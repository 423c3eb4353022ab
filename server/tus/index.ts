/**
 * The reference server's tus 1.0 endpoint: @tus/server with @tus/file-store, through its
 * web-standard handler, so it mounts on the reference server's listener beside the HTTP
 * chunk routes (`routes: [createTusEndpoint({ root })]`).
 */
import { mkdirSync } from 'node:fs'
import { FileStore } from '@tus/file-store'
import { Server } from '@tus/server'
import { DEFAULT_CORS, isOriginAllowed, type CorsOptions } from '../cors'
import { normalizeBasePath, type RouteMount } from '../router'
import { ownerDigest, ownerFromAuthorization, type OwnerOf } from '../owner'

/** Upload-Metadata key holding the creator's identity digest; set by the server only. */
export const TUS_OWNER_KEY = 'vcu-owner'

/** Default expiry of unfinished tus uploads: 7 days, like the resume records. */
export const DEFAULT_TUS_EXPIRES_IN_MS = 7 * 24 * 60 * 60 * 1000
/** Default largest upload: 64 GiB. */
export const DEFAULT_TUS_MAX_SIZE = 64 * 1024 ** 3

export interface TusEndpointOptions {
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
   * Default: the `Authorization` header as sent (anonymous without one).
   */
  owner?: OwnerOf
}

export interface TusEndpoint extends RouteMount {
  /** The @tus/server instance, for its events (`server.on(EVENTS.POST_FINISH, …)`). */
  readonly tus: Server
  readonly store: FileStore
  /** Removes expired unfinished uploads; resolves to how many. */
  sweep(): Promise<number>
}

/**
 * Headers a page must read beyond @tus/server's defaults (which already expose
 * `Upload-Offset`, `Location`, `Upload-Length` and `Tus-*`).
 */
const EXTRA_EXPOSED = ['Upload-Expires', 'Retry-After']

export function createTusEndpoint(options: TusEndpointOptions): TusEndpoint {
  const basePath = normalizeBasePath(options.basePath ?? '/tus')
  const cors = options.cors ?? DEFAULT_CORS
  const owner = options.owner ?? ownerFromAuthorization
  mkdirSync(options.root, { recursive: true })
  const store = new FileStore({
    directory: options.root,
    expirationPeriodInMilliseconds: options.expiresInMs ?? DEFAULT_TUS_EXPIRES_IN_MS,
  })
  const tus = new Server({
    path: basePath,
    datastore: store,
    maxSize: options.maxSize ?? DEFAULT_TUS_MAX_SIZE,
    allowedOrigins: (origin) => isOriginAllowed(origin, cors),
    exposedHeaders: EXTRA_EXPOSED,
    // The creator's identity goes into the upload's metadata, whatever the client sent there.
    onUploadCreate: async (req, upload) => ({
      metadata: { ...upload.metadata, [TUS_OWNER_KEY]: ownerDigest(await owner(req)) },
    }),
    // Every request on an existing upload must come from its creator; others see a 404.
    onIncomingRequest: async (req, id) => {
      if (req.method === 'POST') return
      const upload = await store.getUpload(id).catch(() => undefined)
      if (!upload) return // @tus/server answers 404 itself
      if (upload.metadata?.[TUS_OWNER_KEY] !== ownerDigest(await owner(req))) {
        throw { status_code: 404, body: 'The file for this url was not found\n' }
      }
    },
  })
  return {
    basePath,
    handler: (request) => tus.handleWeb(request),
    tus,
    store,
    sweep: () => tus.cleanUpExpiredUploads(),
  }
}
