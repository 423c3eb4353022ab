/**
 * The three backends on 127.0.0.1 for the resume tests, with what each one holds readable
 * from the test: the reference server's HTTP chunk store, @tus/server on a filesystem
 * store (PATCH body bytes counted as they arrive), and the S3 signer over the local S3.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3'
import { chromium, type BrowserContext } from 'playwright-core'
import { startReferenceServer } from '../../server'
import { createS3Client, createS3SigningHandler } from '../../server/s3'
import { startLocalS3 } from '../../server/s3-local'
import { createTusEndpoint } from '../../server/tus'
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from './harness'

export type ProtocolName = 'http' | 'tus' | 's3'

export interface Backends {
  endpoint(protocol: ProtocolName): string
  /** Body bytes every tus PATCH brought to the server so far. */
  readonly tusReceived: () => number
  /** Bytes the server holds for an upload right now, as its own status answers. */
  held(protocol: ProtocolName, remote: Record<string, unknown>): Promise<number>
  /** Whether anything of the upload is left on the server. */
  leftOnServer(protocol: ProtocolName, remote: Record<string, unknown>): Promise<boolean>
  /** Paths of every completed file the backend stores (to find the source's MD5 among). */
  stored(protocol: ProtocolName): Promise<string[]>
  close(): Promise<void>
}

export async function startBackends(): Promise<Backends> {
  const root = mkdtempSync(join(tmpdir(), 'vcu-resume-'))
  const tusRoot = join(root, 'tus')
  const tus = createTusEndpoint({ root: tusRoot })
  let received = 0
  const countingTus = (request: Request): Promise<Response> => {
    if (request.method !== 'PATCH' || !request.body) return tus.handler(request)
    const body = request.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength
          controller.enqueue(chunk)
        },
      }),
    )
    return tus.handler(new Request(request, { body, duplex: 'half' } as RequestInit))
  }
  const s3 = await startLocalS3()
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
  })
  const server = await startReferenceServer({
    root: join(root, 'http'),
    routes: [
      { basePath: tus.basePath, handler: countingTus },
      { basePath: '/s3', handler: createS3SigningHandler({ client, bucket: s3.bucket }) },
    ],
  })
  const endpoints: Record<ProtocolName, string> = {
    http: server.httpUrl,
    tus: server.url + tus.basePath,
    s3: `${server.url}/s3`,
  }
  const multipartUploads = async () =>
    (await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }))).Uploads ?? []

  return {
    endpoint: (protocol) => endpoints[protocol],
    tusReceived: () => received,
    async held(protocol, remote) {
      if (protocol === 'http') {
        const status = (await (
          await fetch(`${server.httpUrl}/uploads/${String(remote.id)}`)
        ).json()) as {
          received: [number, number][]
          chunkSize: number
          size: number
        }
        let bytes = 0
        for (const [from, to] of status.received)
          for (let i = from; i < to; i++)
            bytes += Math.min(status.chunkSize, status.size - i * status.chunkSize)
        return bytes
      }
      if (protocol === 'tus') {
        const response = await fetch(String(remote.url), {
          method: 'HEAD',
          headers: { 'tus-resumable': '1.0.0' },
        })
        return Number(response.headers.get('upload-offset'))
      }
      throw new Error('S3 holds parts, not bytes: compare part numbers instead')
    },
    async leftOnServer(protocol, remote) {
      if (protocol === 'http') {
        const names = await readdir(join(root, 'http', 'uploads')).catch(() => [] as string[])
        return names.some((name) => name.startsWith(String(remote.id)))
      }
      if (protocol === 'tus') {
        const id = String(remote.url).split('/').pop()!
        return (await readdir(tusRoot)).some((name) => name.startsWith(id))
      }
      return (await multipartUploads()).some((upload) => upload.Key === remote.key)
    },
    async stored(protocol) {
      const list = async (dir: string, keep: (name: string) => boolean) =>
        (await readdir(dir, { recursive: true }).catch(() => [] as string[]))
          .filter(keep)
          .map((n) => join(dir, n))
      if (protocol === 'http') return list(join(root, 'http', 'files'), (n) => !n.endsWith('.json'))
      if (protocol === 'tus')
        return list(tusRoot, (n) => !n.endsWith('.json') && !n.startsWith('.'))
      return list(join(s3.directory, s3.bucket), (n) => n.endsWith('._S3rver_object'))
    },
    async close() {
      await server.close()
      client.destroy()
      await s3.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** Chromium on a profile directory that outlives it, so a test can restart the browser. */
export async function launchOnProfile(userDataDir: string): Promise<BrowserContext> {
  requireChromium()
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  })
}

export const profileDir = (): string => mkdtempSync(join(tmpdir(), 'vcu-profile-'))
