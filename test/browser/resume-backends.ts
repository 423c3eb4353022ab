/**
 * The three backends on 127.0.0.1 for the resume tests, with what each one holds readable
 * from the test: the reference server's HTTP chunk store, @tus/server on a filesystem
 * store (PATCH body bytes counted as they arrive), and the S3 signer over the run's S3 (Ceph
 * RGW under CI, see test/infra/s3-target.ts). Stored files are hashed where the server keeps
 * them: the stores' files for http and tus, GetObject for S3.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { startReferenceServer } from '../../server/index'
import { createS3SigningHandler } from '../../server/s3'
import { createTusEndpoint } from '../../server/tus'
import { openS3Target } from '../infra/s3-target'
import { CHROMIUM, CHROMIUM_ARGS, md5OfFile, requireChromium } from './harness'
import { httpHeld, tusHeld } from './held'

export type ProtocolName = 'http' | 'tus' | 's3'

export interface Backends {
  endpoint(protocol: ProtocolName): string
  /** Body bytes every tus PATCH brought to the server so far. */
  readonly tusReceived: () => number
  /** Bytes the server holds for an upload right now, as its own status answers. */
  held(protocol: ProtocolName, remote: Record<string, unknown>): Promise<number>
  /** Whether anything of the upload is left on the server. */
  leftOnServer(protocol: ProtocolName, remote: Record<string, unknown>): Promise<boolean>
  /** MD5s of every completed file the backend stores (to find the source's MD5 among). */
  storedMd5s(protocol: ProtocolName): Promise<string[]>
  close(): Promise<void>
}

/** `origins`: the pages' origins, for the bucket's CORS rule. */
export async function startBackends(origins: readonly string[]): Promise<Backends> {
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
  const s3 = await openS3Target({ origins })
  const server = await startReferenceServer({
    root: join(root, 'http'),
    routes: [
      { basePath: tus.basePath, handler: countingTus },
      {
        basePath: '/s3',
        handler: createS3SigningHandler({ client: s3.client, bucket: s3.bucket }),
      },
    ],
  })
  const endpoints: Record<ProtocolName, string> = {
    http: server.httpUrl,
    tus: server.url + tus.basePath,
    s3: `${server.url}/s3`,
  }
  const multipartUploads = () => s3.pendingUploads()

  return {
    endpoint: (protocol) => endpoints[protocol],
    tusReceived: () => received,
    async held(protocol, remote) {
      if (protocol === 'http') return httpHeld(server.httpUrl, remote.id)
      if (protocol === 'tus') return tusHeld(remote.url)
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
    async storedMd5s(protocol) {
      if (protocol === 's3') return Promise.all((await s3.keys()).map((key) => s3.md5Of(key)))
      const list = async (dir: string, keep: (name: string) => boolean) =>
        (await readdir(dir, { recursive: true }).catch(() => [] as string[]))
          .filter(keep)
          .map((n) => join(dir, n))
      const paths =
        protocol === 'http'
          ? await list(join(root, 'http', 'files'), (n) => !n.endsWith('.json'))
          : await list(tusRoot, (n) => !n.endsWith('.json') && !n.startsWith('.'))
      return Promise.all(paths.map((path) => md5OfFile(path).catch(() => 'unreadable')))
    },
    async close() {
      await server.close()
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
