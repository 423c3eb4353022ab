/**
 * The three reference endpoints on one listener, as `npm run dev` starts them (HTTP chunk
 * routes, tus, the S3 signer against the local S3), on fresh temp stores, plus a raw HTTP
 * client that can choose its source address (127.0.0.x) and its Host header: what the
 * attack, fuzz and cross-identity tests need.
 */
import { request as httpRequest } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startReferenceServer, type StartReferenceServerOptions } from '../index'
import type { RunningReferenceServer } from '../index'
import { createTusEndpoint, type TusEndpoint, type TusEndpointOptions } from '../tus'
import { createS3Client, createS3SigningHandler, type S3SignerOptions } from '../s3'
import { startLocalS3, type LocalS3 } from '../s3-local'

export interface Rig {
  server: RunningReferenceServer
  tus: TusEndpoint
  s3: LocalS3
  base: string
  /** `<base>/http`, `<base>/tus`, `<base>/s3` hold the stores. */
  close(): Promise<void>
}

export async function startRig(
  options: {
    http?: Partial<StartReferenceServerOptions>
    tus?: Partial<TusEndpointOptions>
    s3?: Partial<Omit<S3SignerOptions, 'client' | 'bucket'>>
  } = {},
): Promise<Rig> {
  const base = await mkdtemp(join(tmpdir(), 'vcu-attack-'))
  const s3 = await startLocalS3({ directory: join(base, 's3'), minPartSize: 64 * 1024 })
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
  })
  const tus = createTusEndpoint({ root: join(base, 'tus'), ...options.tus })
  const signer = createS3SigningHandler({
    client,
    bucket: s3.bucket,
    minPartSize: 64 * 1024,
    ...options.s3,
  })
  const server = await startReferenceServer({
    root: join(base, 'http'),
    routes: [tus, { basePath: '/s3', handler: signer }],
    ...options.http,
  })
  return {
    server,
    tus,
    s3,
    base,
    close: async () => {
      await server.close()
      client.destroy()
      await s3.close()
      await rm(base, { recursive: true, force: true })
    },
  }
}

export interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests probe arbitrary JSON fields
  json: any
}

/** One request over a fresh connection, from `from` (default 127.0.0.1), path sent as given. */
export function raw(
  url: string,
  init: {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: Uint8Array | string
    from?: string
  } = {},
): Promise<RawAnswer> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: init.method ?? 'GET',
        path: init.path ?? target.pathname + target.search,
        headers: { connection: 'close', ...init.headers },
        localAddress: init.from,
      },
      (res) => {
        const pieces: Buffer[] = []
        res.on('data', (piece: Buffer) => pieces.push(piece))
        res.on('end', () => {
          const text = Buffer.concat(pieces).toString('utf8')
          let json: unknown
          try {
            json = text ? JSON.parse(text) : null
          } catch {
            json = null
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(init.body)
  })
}

/** `raw` with a JSON body and `Content-Type: application/json`. */
export const rawJson = (
  url: string,
  body: unknown,
  init: { method?: string; headers?: Record<string, string>; from?: string } = {},
): Promise<RawAnswer> =>
  raw(url, {
    method: init.method ?? 'POST',
    from: init.from,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(body),
  })

/** tus headers for a request by `token` (anonymous without one). */
export const tusHeaders = (
  token?: string,
  more: Record<string, string> = {},
): Record<string, string> => ({
  'tus-resumable': '1.0.0',
  ...(token ? { authorization: token } : {}),
  ...more,
})
