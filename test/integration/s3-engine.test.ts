/**
 * The S3 path end to end from Node: engine + S3 protocol + the signing endpoints
 * (server/s3) + an S3 over real HTTP: Ceph RGW under CI, any S3 named by the environment
 * (test/infra/s3-target.ts), or the local S3 (server/s3-local) in a quick local run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AbortMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3'
import { type Transport, type UploaderOptions } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { createS3Protocol, multipartEtag } from '../../src/protocols/s3'
import type { RunningReferenceServer } from '../../server/index'
import { serverPerBlock } from '../../server/testing/fixtures'
import { createS3SigningHandler, openHandle } from '../../server/s3'
import { identify } from '../../server/owner'
import { randomFile } from '../browser/harness'
import { openS3Target, type S3Target } from '../infra/s3-target'
import { diskFile, finished, recordingTransport, testUploader } from '../fakes/engine-run'
import { MiB } from '../fakes/files'

const JSON_TYPE = { 'content-type': 'application/json' }
const SECRET = 'integration-secret'

describe('S3 path: engine + signer + S3', () => {
  let s3: S3Target
  let server: RunningReferenceServer
  let source: { path: string; md5: string }
  let signer: string

  serverPerBlock(
    (started) => {
      server = started
      signer = `${server.url}/s3`
    },
    async () => {
      s3 = await openS3Target()
      const signerOf = (partUrlExpiresIn?: number) =>
        createS3SigningHandler({
          client: s3.client,
          bucket: s3.bucket,
          secret: SECRET,
          owner: (r) => r.headers.get('x-user') ?? '',
          partUrlExpiresIn,
          basePath: partUrlExpiresIn ? '/s3-short' : '/s3',
        })
      return {
        routes: [
          { basePath: '/s3', handler: signerOf() },
          // Part URLs that live one second, for the expiry test.
          { basePath: '/s3-short', handler: signerOf(1) },
        ],
      }
    },
  )
  beforeAll(async () => {
    source = await randomFile(23 * MiB, 'vcu-s3-23m.bin')
  })
  afterAll(async () => {
    await s3?.close()
  })

  const uploaderFor = (
    transport: Transport,
    extra: Partial<UploaderOptions> = {},
    endpoint = signer,
  ) =>
    testUploader(createS3Protocol({ endpoint }), transport, {
      chunkSize: 5 * MiB,
      concurrency: 3,
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      ...extra,
    })

  const file = (name: string) => diskFile(source.path, name)
  const pendingUploads = () => s3.pendingUploads()

  it('signs part URLs without x-amz-checksum-* (the SDK default would add them)', async () => {
    const create = await fetch(`${signer}/uploads`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ name: 'a.bin', size: 6 * MiB }),
    })
    const { id } = (await create.json()) as { id: string }
    const sign = await fetch(`${signer}/uploads/${id}/parts/1`, {
      method: 'POST',
      headers: JSON_TYPE,
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
      forcePathStyle: s3.forcePathStyle,
    })
    const risky = await getSignedUrl(
      defaults,
      new UploadPartCommand({ Bucket: s3.bucket, Key: 'k', UploadId: 'u', PartNumber: 1 }),
    )
    expect(risky.toLowerCase()).toContain('x-amz-checksum')
    defaults.destroy()
    await fetch(`${signer}/uploads/${id}`, { method: 'DELETE' })
  })

  // On Ceph RGW this is also the test of the empty `<ETag></ETag>` of Complete: the signer
  // answers HEAD's ETag, and the client checks it.
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
    expect(await s3.md5Of(String(result.location))).toBe(source.md5)
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
      headers: { 'x-user': 'alice', ...JSON_TYPE },
      body: JSON.stringify({ name: '../../etc/passwd', size: 12 * MiB }),
    })
    expect(create.status).toBe(201)
    const { id, key } = (await create.json()) as { id: string; key: string }
    expect(key).toMatch(/^uploads\/\d{4}-\d\d-\d\d\/[\w-]{22}\/passwd$/)
    const sign = (as: string, upload: string, n: number) =>
      fetch(`${signer}/uploads/${upload}/parts/${n}`, {
        method: 'POST',
        headers: { 'x-user': as, ...JSON_TYPE },
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
  it('starts over when the upload was aborted behind its back (RGW: NoSuchKey, AWS: NoSuchUpload)', async () => {
    const store = createMemoryStore()
    const first = uploaderFor(recordingTransport(), { store, concurrency: 1 })
    const [added] = first.add(await file('gone.bin')).added
    await new Promise<void>((resolve) => {
      first.on('part-uploaded', () => {
        first.pause(added.id)
        resolve()
      })
    })
    first.destroy()
    // The lifecycle rule (or another tab's Clear) aborts it in S3.
    const [record] = await store.list()
    // The uploader ran anonymously from 127.0.0.1: that caller's identity seals the id.
    const { owner } = await identify(
      new Request('http://127.0.0.1/'),
      { clientAddress: '127.0.0.1' },
      () => '',
    )
    const handle = openHandle(Buffer.from(SECRET), owner, String(record.remote.id))!
    await s3.client.send(
      new AbortMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: handle.key,
        UploadId: handle.uploadId,
      }),
    )
    const listed = await fetch(
      `${signer}/uploads/${encodeURIComponent(String(record.remote.id))}/parts`,
    )
    expect(listed.status).toBe(404)
    const transport = recordingTransport()
    const second = uploaderFor(transport, { store })
    const done = finished(second)
    second.add(await file('gone.bin'))
    const upload = await done
    expect(upload.status.state).toBe('done')
    if (upload.status.state !== 'done') return
    // Asked, was told it is gone, created a new upload and sent every part.
    expect(transport.log.filter((l) => l === 'POST /s3/uploads')).toHaveLength(1)
    expect(transport.log.filter((l) => l.startsWith('PUT'))).toHaveLength(5)
    expect(upload.status.result.location).not.toBe(handle.key)
    expect(await s3.md5Of(String(upload.status.result.location))).toBe(source.md5)
    expect(await pendingUploads()).toEqual([])
    second.destroy()
  })

  it('signs an expired part URL again (RGW: a bare 403 AccessDenied; AWS: "Request has expired")', async () => {
    // URLs live 1 s; the first PUT waits until its URL is past its life.
    const inner = recordingTransport()
    const refused: number[] = []
    let held = false
    const transport: Transport = {
      async request(request) {
        if (request.method === 'PUT' && !held) {
          held = true
          await new Promise((resolve) => setTimeout(resolve, 2_500))
        }
        const response = await inner.request(request)
        if (request.method === 'PUT' && response.status === 403) refused.push(response.status)
        return response
      },
    }
    const uploader = uploaderFor(transport, { concurrency: 1 }, `${server.url}/s3-short`)
    const done = finished(uploader)
    uploader.add(await file('late.bin'))
    const upload = await done
    expect(upload.status.state).toBe('done')
    if (upload.status.state !== 'done') return
    expect(refused).toEqual([403])
    const signs = inner.log.filter((l) => /^POST \/s3-short\/uploads\/[^/]+\/parts\/\d+$/.test(l))
    expect(signs).toHaveLength(6) // 5 parts, one signed twice
    expect(await s3.md5Of(String(upload.status.result.location))).toBe(source.md5)
    uploader.destroy()
  })
})
