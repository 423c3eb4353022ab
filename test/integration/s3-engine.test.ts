/**
 * The S3 path end to end from Node: engine + S3 protocol + the signing endpoints
 * (server/s3) + the local S3 (server/s3-local), over real HTTP on 127.0.0.1.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  type S3Client as Client,
} from '@aws-sdk/client-s3'
import { type Transport, type UploaderOptions } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { createS3Protocol, multipartEtag } from '../../src/protocols/s3'
import { startReferenceServer, type RunningReferenceServer } from '../../server'
import { createS3Client, createS3SigningHandler } from '../../server/s3'
import { startLocalS3, type LocalS3 } from '../../server/s3-local'
import { randomFile } from '../browser/harness'
import { diskFile, finished, recordingTransport, testUploader } from '../fakes/engine-run'

const MiB = 1024 * 1024

describe('S3 path: engine + signer + local S3', () => {
  let s3: LocalS3
  let client: Client
  let server: RunningReferenceServer
  let root: string
  let source: { path: string; md5: string }
  let signer: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vcu-s3-int-'))
    s3 = await startLocalS3()
    client = createS3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
    })
    server = await startReferenceServer({
      root,
      routes: [
        {
          basePath: '/s3',
          handler: createS3SigningHandler({
            client,
            bucket: s3.bucket,
            owner: (r) => r.headers.get('x-user') ?? '',
          }),
        },
      ],
    })
    signer = `${server.url}/s3`
    source = await randomFile(23 * MiB, 'vcu-s3-23m.bin')
  })
  afterAll(async () => {
    await server?.close()
    client?.destroy()
    await s3?.close()
    rmSync(root, { recursive: true, force: true })
  })

  const uploaderFor = (transport: Transport, extra: Partial<UploaderOptions> = {}) =>
    testUploader(createS3Protocol({ endpoint: signer }), transport, {
      chunkSize: 5 * MiB,
      concurrency: 3,
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      ...extra,
    })

  const file = (name: string) => diskFile(source.path, name)
  const pendingUploads = async () =>
    (await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }))).Uploads ?? []

  it('signs part URLs without x-amz-checksum-* (the SDK default would add them)', async () => {
    const create = await fetch(`${signer}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a.bin', size: 6 * MiB }),
    })
    const { id } = (await create.json()) as { id: string }
    const sign = await fetch(`${signer}/uploads/${id}/parts/1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ md5: '1B2M2Y8AsgTpgAmY7PhCfg==' }),
    })
    const { url, headers } = (await sign.json()) as { url: string; headers: Record<string, string> }
    const params = [...new URL(url).searchParams.keys()].map((k) => k.toLowerCase())
    expect(
      params.filter((k) => k.startsWith('x-amz-checksum') || k === 'x-amz-sdk-checksum-algorithm'),
    ).toEqual([])
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-md5;host',
    )
    expect(Number(new URL(url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300)
    expect(headers).toEqual({ 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' })
    // The point of WHEN_REQUIRED: the SDK's default client does put a checksum in the URL.
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner')
    const { UploadPartCommand } = await import('@aws-sdk/client-s3')
    const defaults = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
    })
    const risky = await getSignedUrl(
      defaults,
      new UploadPartCommand({ Bucket: s3.bucket, Key: 'k', UploadId: 'u', PartNumber: 1 }),
    )
    expect(risky.toLowerCase()).toContain('x-amz-checksum')
    defaults.destroy()
    await fetch(`${signer}/uploads/${id}`, { method: 'DELETE' })
  })

  it('uploads 23 MiB in 5 parts; the object is byte-identical and its ETag is md5-of-md5s-5', async () => {
    const transport = recordingTransport()
    const uploader = uploaderFor(transport)
    const done = finished(uploader)
    const md5s: string[] = []
    uploader.on('part-uploaded', ({ part }) => (md5s[part.index] = part.etag!))
    uploader.add(await file('a.bin'))
    const upload = await done
    expect(upload.status.state).toBe('done')
    if (upload.status.state !== 'done') return
    const { result } = upload.status
    expect(result.etag).toBe(multipartEtag(md5s))
    expect(md5s).toHaveLength(5)
    expect(result.location).toMatch(/^uploads\/\d{4}-\d\d-\d\d\/[\w-]{22}\/a\.bin$/)
    const object = await client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: result.location }),
    )
    const bytes = await object.Body!.transformToByteArray()
    expect(createHash('md5').update(bytes).digest('hex')).toBe(source.md5)
    expect(transport.log.filter((l) => l.startsWith('PUT'))).toHaveLength(5)
    expect(
      transport.log.filter((l) => /^POST \/s3\/uploads\/[^/]+\/parts\/\d+$/.test(l)),
    ).toHaveLength(5)
    expect(await pendingUploads()).toEqual([])
    uploader.destroy()
  })

  it('resumes in a new uploader from ListParts and sends only the missing parts', async () => {
    const store = createMemoryStore()
    const first = uploaderFor(recordingTransport(), { store, concurrency: 1 })
    const [added] = first.add(await file('resume.bin')).added
    await new Promise<void>((resolve) => {
      let n = 0
      first.on('part-uploaded', () => {
        if (++n === 2) {
          first.pause(added.id)
          resolve()
        }
      })
    })
    first.destroy()
    const transport = recordingTransport()
    const second = uploaderFor(transport, { store })
    const done = finished(second)
    second.add(await file('resume.bin'))
    const upload = await done
    expect(upload.status.state).toBe('done')
    expect(upload.resumed).toBe(true)
    expect(transport.log.some((l) => /^GET \/s3\/uploads\/[^/]+\/parts$/.test(l))).toBe(true)
    const puts = transport.log
      .filter((l) => l.startsWith('PUT'))
      .map((l) => Number(l.split('#')[1]))
    expect(puts.sort()).toEqual([3, 4, 5])
    expect(await pendingUploads()).toEqual([])
    second.destroy()
  })

  it('cancel aborts the multipart upload: ListMultipartUploads is empty', async () => {
    const transport = recordingTransport()
    const uploader = uploaderFor(transport, { concurrency: 1 })
    const done = finished(uploader)
    const [added] = uploader.add(await file('cancel.bin')).added
    await new Promise<void>((resolve) => uploader.on('part-uploaded', () => resolve()))
    expect(await pendingUploads()).toHaveLength(1)
    await uploader.cancel(added.id)
    expect((await done).status.state).toBe('canceled')
    expect(transport.log.at(-1)).toMatch(/^DELETE \/s3\/uploads\/[^/]+$/)
    expect(await pendingUploads()).toEqual([])
    uploader.destroy()
  })

  it('refuses ids of another caller, tampered ids, impossible part numbers, and generates keys', async () => {
    const create = await fetch(`${signer}/uploads`, {
      method: 'POST',
      headers: { 'x-user': 'alice', 'content-type': 'application/json' },
      body: JSON.stringify({ name: '../../etc/passwd', size: 12 * MiB }),
    })
    expect(create.status).toBe(201)
    const { id, key } = (await create.json()) as { id: string; key: string }
    expect(key).toMatch(/^uploads\/\d{4}-\d\d-\d\d\/[\w-]{22}\/passwd$/)
    const sign = (as: string, upload: string, n: number) =>
      fetch(`${signer}/uploads/${upload}/parts/${n}`, {
        method: 'POST',
        headers: { 'x-user': as, 'content-type': 'application/json' },
        body: '{}',
      })
    expect((await sign('alice', id, 1)).status).toBe(200)
    expect((await sign('mallory', id, 1)).status).toBe(404)
    const [payload, mac] = id.split('.')
    const forged = `${Buffer.from(JSON.stringify({ k: 'other/key', u: 'x', s: 1 })).toString('base64url')}.${mac}`
    expect((await sign('alice', forged, 1)).status).toBe(404)
    expect(payload).not.toBe('')
    expect((await sign('alice', id, 4)).status).toBe(400) // 12 MiB has at most 3 parts of 5 MiB
    expect(
      (await fetch(`${signer}/uploads/${id}/parts`, { headers: { 'x-user': 'mallory' } })).status,
    ).toBe(404)
    expect(
      (await fetch(`${signer}/uploads/${id}`, { method: 'DELETE', headers: { 'x-user': 'alice' } }))
        .status,
    ).toBe(204)
    expect(
      (await fetch(`${signer}/uploads/${id}/parts`, { headers: { 'x-user': 'alice' } })).status,
    ).toBe(404)
  })
})
