/**
 * The app-facing features in real Chromium, on each protocol they apply to, against the
 * reference servers (HTTP chunk store, @tus/server, the S3 signer with Ceph RGW under CI or
 * the local S3): per-file metadata, relative paths of a picked folder, the beforeAdd hook, the beforeUpload hook, maxTotalSize and refreshAuth. The page is test/browser/pages/features.ts.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import type { Page } from 'playwright-core'
import {
  createReferenceServer,
  serve,
  startReferenceServer,
  type Listening,
  type OwnerOf,
  type ReferenceServer,
  type RunningReferenceServer,
} from '../../server/index'
import { createS3SigningHandler } from '../../server/s3'
import { createTusEndpoint, type TusEndpoint } from '../../server/tus'
import { openS3Target, type S3Target } from '../infra/s3-target'
import { launchChromium, startPageServer, type BrowserSession } from './harness'
import type { FeaturesApi, ProtocolName } from './pages/features'

describe('features in real Chromium', () => {
  let chromium: BrowserSession
  let pages: { url: string; close(): Promise<void> }
  let server: RunningReferenceServer
  let tus: TusEndpoint
  let s3: S3Target
  let root: string
  let page: Page
  // refreshAuth: the same three endpoints behind an auth check that accepts one token at a
  // time; uploads are bound to the user (`alice`), not the token, as docs/features.md says.
  let authServer: ReferenceServer
  let authListening: Listening
  let validToken = 'Bearer alice-1'
  const authStatuses: number[] = []

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vcu-features-browser-'))
    ;[chromium, pages] = await Promise.all([launchChromium(), startPageServer()])
    s3 = await openS3Target({ origins: [pages.url] })
    tus = createTusEndpoint({ root: join(root, 'tus') })
    const signer = createS3SigningHandler({ client: s3.client, bucket: s3.bucket, basePath: '/s3' })
    server = await startReferenceServer({
      root: join(root, 'http'),
      routes: [tus, { basePath: '/s3', handler: signer }],
    })
    const userOf: OwnerOf = (request) =>
      (request.headers.get('authorization') ?? '').replace(/-\d+$/, '')
    authServer = createReferenceServer({
      root: join(root, 'auth-http'),
      owner: userOf,
      routes: [
        createTusEndpoint({ root: join(root, 'auth-tus'), owner: userOf }),
        {
          basePath: '/s3',
          handler: createS3SigningHandler({
            client: s3.client,
            bucket: s3.bucket,
            basePath: '/s3',
            owner: userOf,
          }),
        },
      ],
    })
    await authServer.store.ready
    authListening = await serve(async (request, context) => {
      if (request.method === 'OPTIONS') return authServer.handler(request, context)
      if (request.headers.get('authorization') !== validToken) {
        await request.arrayBuffer() // read the body, so the browser is not cut off mid-send
        authStatuses.push(401)
        return new Response(
          JSON.stringify({ error: { code: 'unauthorized', message: 'expired' } }),
          {
            status: 401,
            headers: {
              'content-type': 'application/json',
              'access-control-allow-origin': request.headers.get('origin') ?? '*',
              vary: 'origin',
            },
          },
        )
      }
      const response = await authServer.handler(request, context)
      authStatuses.push(response.status)
      // The token expires once the upload is created.
      if (request.method === 'POST' && response.status === 201) validToken = 'Bearer alice-2'
      return response
    })
    page = await chromium.newPage()
    await page.goto(`${pages.url}/features.html`)
    await page.waitForFunction(() => 'features' in window)
  })

  afterAll(async () => {
    await Promise.allSettled([chromium?.close(), pages?.close(), server?.close()])
    await authListening?.close()
    await authServer?.close()
    await s3?.close()
    rmSync(root, { recursive: true, force: true })
  })

  const endpointOf = (protocol: ProtocolName) =>
    protocol === 'http' ? server.httpUrl : `${server.url}/${protocol}`

  function call<K extends keyof FeaturesApi>(
    name: K,
    ...args: Parameters<FeaturesApi[K]>
  ): Promise<Awaited<ReturnType<FeaturesApi[K]>>> {
    return page.evaluate(
      ([method, params]) => {
        const api = (
          window as unknown as { features: Record<string, (...a: unknown[]) => unknown> }
        ).features
        return api[method](...params)
      },
      [name, args] as [string, unknown[]],
    ) as Promise<Awaited<ReturnType<FeaturesApi[K]>>>
  }

  /** The metadata the server side stored for a finished upload. */
  async function storedMetadata(
    protocol: ProtocolName,
    result: { location?: string; data?: Record<string, unknown> },
  ): Promise<Record<string, string | null | undefined>> {
    if (protocol === 'http') {
      const id = String(result.data?.id)
      return JSON.parse(readFileSync(join(root, 'http', 'files', `${id}.json`), 'utf8')).metadata
    }
    if (protocol === 'tus') {
      const stored = await tus.store.getUpload(String(result.location).split('/').pop()!)
      return stored.metadata ?? {}
    }
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: String(result.location) }),
    )
    return Object.fromEntries(
      Object.entries(head.Metadata ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
    )
  }

  /** The bytes the server side stored for a finished upload. */
  async function storedBytes(
    protocol: ProtocolName,
    result: { location?: string; data?: Record<string, unknown> },
  ): Promise<Buffer> {
    if (protocol === 'http')
      return readFileSync(join(root, 'http', 'files', String(result.data?.id)))
    if (protocol === 'tus')
      return readFileSync(join(root, 'tus', String(result.location).split('/').pop()!))
    const object = await s3.client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: String(result.location) }),
    )
    return Buffer.from(await object.Body!.transformToByteArray())
  }

  for (const protocol of ['http', 'tus', 's3'] as const) {
    it(`${protocol}: a token that expires after the create is refreshed once (refreshAuth) and the upload finishes byte-identical`, async () => {
      validToken = 'Bearer alice-1'
      authStatuses.length = 0
      const base = `${authListening.url}/${protocol}`
      const run = await call('refreshAuth', protocol, base)
      expect(run.failed).toEqual([])
      expect(run.refreshes).toBe(1)
      expect(authStatuses.filter((status) => status === 401)).toHaveLength(1)
      const [upload] = run.uploads
      expect(upload.status.state).toBe('done')
      if (upload.status.state !== 'done') return
      const result = upload.status.result
      const bytes =
        protocol === 's3'
          ? await storedBytes('s3', result)
          : protocol === 'tus'
            ? readFileSync(join(root, 'auth-tus', String(result.location).split('/').pop()!))
            : readFileSync(join(root, 'auth-http', 'files', String(result.data?.id)))
      expect(bytes.length).toBe(300_000)
      expect(bytes.every((b) => b === 'report.jpg'.length)).toBe(true)
    })

    it(`${protocol}: maxTotalSize refuses the file that would pass it (total-too-large); the others upload byte-identical`, async () => {
      const run = await call('maxTotal', protocol, endpointOf(protocol))
      expect(run.rejected).toEqual([
        expect.objectContaining({ name: 'second.jpg', code: 'total-too-large' }),
      ])
      expect(run.uploads.map((u) => [u.file.name, u.status.state])).toEqual([
        ['first.jpg', 'done'],
        ['third.jpg', 'done'],
      ])
      for (const upload of run.uploads) {
        if (upload.status.state !== 'done') return
        const bytes = await storedBytes(protocol, upload.status.result)
        expect(bytes.length).toBe(upload.file.size)
        expect(bytes.every((b) => b === upload.file.name.length)).toBe(true)
      }
    })

    it(`${protocol}: metadata from the option and from add() reaches the server; a bad one is refused`, async () => {
      const run = await call('metadata', protocol, endpointOf(protocol))
      expect(run.rejected).toEqual([
        expect.objectContaining({ name: 'bad.jpg', code: 'invalid-metadata' }),
      ])
      expect(run.uploads).toHaveLength(1)
      const [upload] = run.uploads
      expect(upload.status.state).toBe('done')
      if (upload.status.state !== 'done') return
      const stored = await storedMetadata(protocol, upload.status.result)
      expect(stored).toMatchObject({ original: 'beach.jpg', album: 'Été 2025' })
    })

    it(`${protocol}: a picked folder's same-name files in two subfolders both upload, each with its relativePath`, async () => {
      const dir = join(root, `picked-${protocol}`)
      for (const sub of ['a', 'b']) {
        mkdirSync(join(dir, sub), { recursive: true })
        writeFileSync(join(dir, sub, 'x.txt'), `${sub} `.repeat(1000))
      }
      await page.setInputFiles('#folder', dir)
      const run = await call('folder', protocol, endpointOf(protocol))
      expect(run.rejected).toEqual([])
      expect(run.uploads).toHaveLength(2)
      const key = protocol === 's3' ? 'relativepath' : 'relativePath' // S3 lower-cases names
      const stored: string[] = []
      for (const upload of run.uploads) {
        expect(upload.status.state).toBe('done')
        if (upload.status.state !== 'done') return
        stored.push(String((await storedMetadata(protocol, upload.status.result))[key]))
      }
      expect(stored.sort()).toEqual([`picked-${protocol}/a/x.txt`, `picked-${protocol}/b/x.txt`])
    })

    it(`${protocol}: beforeAdd refuses a file with the app's reason and adds metadata to another`, async () => {
      const run = await call('beforeAdd', protocol, endpointOf(protocol))
      expect(run.rejected).toEqual([
        { name: 'setup.exe', code: 'file-refused', reason: 'programs are not accepted' },
      ])
      const [upload] = run.uploads
      expect(run.uploads).toHaveLength(1)
      expect(upload.status.state).toBe('done')
      if (upload.status.state !== 'done') return
      expect(await storedMetadata(protocol, upload.status.result)).toMatchObject({ checked: 'yes' })
    })

    it(`${protocol}: beforeUpload sends a compressed image in place of the file and refuses another`, async () => {
      const run = await call('beforeUpload', protocol, endpointOf(protocol))
      expect(run.rejected).toEqual([])
      expect(run.failed).toEqual([
        { name: 'notes.txt', code: 'file-refused', reason: 'only images are sent' },
      ])
      const upload = run.uploads.find((u) => u.file.name === 'photo.png')!
      expect(upload.status.state).toBe('done')
      if (upload.status.state !== 'done') return
      expect(run.sentSize).toBeLessThan(run.originalSize)
      expect(upload.file).toMatchObject({ size: run.sentSize, type: 'image/jpeg' })
      const stored = await storedBytes(protocol, upload.status.result)
      expect(stored.length).toBe(run.sentSize)
      expect(createHash('sha256').update(stored).digest('hex')).toBe(run.sentSha256)
      expect(await storedMetadata(protocol, upload.status.result)).toMatchObject({
        'original-size': String(run.originalSize),
      })
    })
  }
})
