/**
 * Typed handles on the CommonJS internals of @20minutes/s3rver 4.0.4 that the local S3
 * patches (the package ships no types). Pinned: these paths are not public API.
 */
import { createRequire } from 'node:module'
import type { IncomingMessage, Server } from 'node:http'

const require = createRequire(import.meta.url)

/** The parts of a Koa context the patch touches. */
export interface KoaContext {
  method: string
  path: string
  href: string
  query: Record<string, string | string[] | undefined>
  params: { bucket: string; key: string; [name: string]: string }
  req: IncomingMessage
  request: { body?: unknown }
  status: number
  body: unknown
  state: Record<string, unknown>
  app: { vcuMinPartSize?: number; vcuAnyOrigin?: boolean }
  response: { get(name: string): string }
  get(name: string): string
  set(name: string, value: string): void
  store: {
    getResourcePath(bucket: string, key: string | undefined, resource: string): string
    putMetadata(bucket: string, key: string, metadata: object, md5?: string): Promise<void>
  }
}
export type Middleware = (ctx: KoaContext, next: () => Promise<unknown>) => Promise<unknown>

interface RouterLayer {
  path: string
  methods: string[]
  stack: (Middleware & { vcuPatched?: boolean })[]
}

export interface S3rverOptions {
  address?: string
  port?: number
  silent?: boolean
  directory?: string
  resetOnClose?: boolean
  vhostBuckets?: boolean
  configureBuckets?: { name: string; configs?: (string | Buffer)[] }[]
}

export interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>
  close(): Promise<void>
  httpServer?: Server
}

export const s3rver = {
  S3rver: require('@20minutes/s3rver') as new (options: S3rverOptions) => S3rverInstance,
  router: require('@20minutes/s3rver/lib/routes.js') as { stack: RouterLayer[] },
  S3Error: require('@20minutes/s3rver/lib/models/error.js') as new (
    code: string,
    message: string,
    detail?: Record<string, string>,
  ) => Error,
  aws4SignatureBodyParser: (
    require('@20minutes/s3rver/lib/signature/v4.js') as {
      aws4SignatureBodyParser: (ctx: KoaContext) => void
    }
  ).aws4SignatureBodyParser,
}
