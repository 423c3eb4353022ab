/**
 * A local S3-compatible server for `npm run dev`, the tests and the bench:
 * @20minutes/s3rver 4.0.4 (disk-backed, real SigV4 and presigned-URL expiry checks, bucket
 * CORS) with the multipart gaps filled by `patch.ts`. Listens on 127.0.0.1 only.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { applyS3rverPatch, DEFAULT_MIN_PART_SIZE } from './patch'
import { s3rver } from './s3rver'

export { DEFAULT_MIN_PART_SIZE } from './patch'
export { MAX_PART_NUMBER, parseCompleteBody } from './multipart'

export interface LocalS3Options {
  /** Storage directory; a fresh temp directory (deleted on close) when omitted. */
  directory?: string
  /** Default `127.0.0.1`. */
  host?: string
  /** Default 0 (any free port). */
  port?: number
  /** Bucket created at start (default `uploads`). */
  bucket?: string
  /** Smallest part but the last that Complete accepts (default 5 MiB, as S3). */
  minPartSize?: number
  /**
   * Bucket CORS exposes `ETag` (default true). Set false to reproduce the most common
   * misconfiguration: the browser then cannot read part ETags.
   */
  exposeEtag?: boolean
  /**
   * Origins allowed by the bucket CORS rule (default the dev pages' origins,
   * `http://127.0.0.1:*` and `http://localhost:*`; one `*` wildcard per origin, as S3).
   */
  allowedOrigins?: string[]
}

export interface LocalS3 {
  /** e.g. `http://127.0.0.1:4568`; use path-style addressing (`forcePathStyle: true`). */
  endpoint: string
  bucket: string
  region: string
  credentials: { accessKeyId: string; secretAccessKey: string }
  directory: string
  close(): Promise<void>
}

/** Origins of `npm run dev`'s pages (any port on the loopback names). */
export const DEV_ORIGINS = ['http://127.0.0.1:*', 'http://localhost:*']

/**
 * The bucket CORS rule of docs/s3.md: PUT/POST/GET/HEAD from the app's origins, only the two
 * headers the client sends, ETag exposed. As narrow as a real bucket's, so tests exercise
 * the real preflight.
 */
export function corsXml(origins: string[] = DEV_ORIGINS, exposeEtag = true): string {
  return [
    '<CORSConfiguration><CORSRule>',
    ...origins.map((o) => `<AllowedOrigin>${o}</AllowedOrigin>`),
    ...['PUT', 'POST', 'GET', 'HEAD'].map((m) => `<AllowedMethod>${m}</AllowedMethod>`),
    ...['content-md5', 'content-type'].map((h) => `<AllowedHeader>${h}</AllowedHeader>`),
    exposeEtag ? '<ExposeHeader>ETag</ExposeHeader>' : '',
    '<MaxAgeSeconds>3000</MaxAgeSeconds>',
    '</CORSRule></CORSConfiguration>',
  ].join('')
}

export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  applyS3rverPatch()
  const temporary = options.directory === undefined
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'vcu-s3-')))
  const bucket = options.bucket ?? 'uploads'
  const server = new s3rver.S3rver({
    address: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [
      { name: bucket, configs: [corsXml(options.allowedOrigins, options.exposeEtag ?? true)] },
    ],
  })
  Object.assign(server, {
    vcuMinPartSize: options.minPartSize ?? DEFAULT_MIN_PART_SIZE,
    vcuAnyOrigin: (options.allowedOrigins ?? DEV_ORIGINS).includes('*'),
  })
  const { address, port } = await server.run()
  // Large parts arrive slowly on a busy machine: no server-side request timeout.
  server.httpServer?.setTimeout(0)
  if (server.httpServer) server.httpServer.requestTimeout = 0
  let closed = false
  return {
    endpoint: `http://${address}:${port}`,
    bucket,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory,
    close: async () => {
      if (closed) return
      closed = true
      server.httpServer?.closeAllConnections()
      await server.close()
      if (temporary) await rm(directory, { recursive: true, force: true })
    },
  }
}
