/**
 * The local S3 (@20minutes/s3rver 4.0.4 + server/s3-local/patch.ts) behaves like S3 for
 * everything the S3 protocol relies on. Each behaviour is probed over real HTTP with the AWS
 * SDK and presigned URLs, as the signer and the browser use them.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { startLocalS3, type LocalS3 } from '../../server/s3-local'

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest()
const MIN = 64 * 1024

let s3: LocalS3
let client: S3Client

beforeAll(async () => {
  s3 = await startLocalS3({ minPartSize: MIN })
  client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
})
afterAll(async () => {
  client?.destroy()
  await s3?.close()
})

async function create(key = `k/${randomBytes(4).toString('hex')}.bin`) {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
  )
  return { key, uploadId: UploadId! }
}

async function partUrl(key: string, uploadId: string, n: number, opts: { md5?: string } = {}) {
  return getSignedUrl(
    client,
    new UploadPartCommand({
      Bucket: s3.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: n,
      ContentMD5: opts.md5,
    }),
    { expiresIn: 60, signableHeaders: opts.md5 ? new Set(['content-md5']) : undefined },
  )
}

async function put(url: string, body: Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'PUT', body: new Uint8Array(body), headers })
  return {
    status: response.status,
    etag: response.headers.get('etag'),
    text: await response.text(),
    headers: response.headers,
  }
}

const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1]

describe('local S3 (patched s3rver)', () => {
  it('lists parts page by page (max-parts, part-number-marker, IsTruncated)', async () => {
    const { key, uploadId } = await create()
    for (const n of [1, 2, 3, 5, 8]) {
      expect((await put(await partUrl(key, uploadId, n), randomBytes(100))).status).toBe(200)
    }
    const seen: number[][] = []
    let marker: string | undefined
    for (;;) {
      const page = await client.send(
        new ListPartsCommand({
          Bucket: s3.bucket,
          Key: key,
          UploadId: uploadId,
          MaxParts: 2,
          PartNumberMarker: marker,
        }),
      )
      seen.push((page.Parts ?? []).map((p) => p.PartNumber!))
      if (!page.IsTruncated) break
      marker = page.NextPartNumberMarker
    }
    expect(seen).toEqual([[1, 2], [3, 5], [8]])
  })

  it('answers well-formed XML with the S3 namespace (botocore rejects anything else)', async () => {
    const { key, uploadId } = await create()
    const url = await getSignedUrl(
      client,
      new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId }),
    )
    const xml = await (await fetch(url)).text()
    expect(xml).toMatch(/<ListPartsResult xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/">/)
  })

  it('aborts: 204, then UploadPart and ListParts answer 404 NoSuchUpload and the upload is not listed', async () => {
    const { key, uploadId } = await create()
    const url = await partUrl(key, uploadId, 1)
    expect((await put(url, randomBytes(10))).status).toBe(200)
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId }),
    )
    const again = await put(url, randomBytes(10))
    expect([again.status, errorCode(again.text)]).toEqual([404, 'NoSuchUpload'])
    await expect(
      client.send(new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' })
    const listed = await client.send(
      new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: key }),
    )
    expect(listed.Uploads ?? []).toEqual([])
  })

  it('rejects Complete with a wrong ETag or a part never uploaded (InvalidPart), and keeps serving', async () => {
    const { key, uploadId } = await create()
    const body = randomBytes(MIN)
    const { etag } = await put(await partUrl(key, uploadId, 1), body)
    const complete = (Parts: { PartNumber: number; ETag: string }[]) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: s3.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts },
        }),
      )
    await expect(
      complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]),
    ).rejects.toMatchObject({ name: 'InvalidPart' })
    await expect(
      complete([
        { PartNumber: 1, ETag: etag! },
        { PartNumber: 2, ETag: etag! },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidPart' })
    await expect(
      complete([
        { PartNumber: 2, ETag: etag! },
        { PartNumber: 1, ETag: etag! },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' })
    // Stock s3rver dies on the missing part; this one still completes the upload.
    const done = await complete([{ PartNumber: 1, ETag: etag! }])
    expect(done.ETag).toBe(`"${md5(md5(body)).toString('hex')}-1"`)
  })

  it('rejects Complete when a part but the last is smaller than the minimum (EntityTooSmall)', async () => {
    const { key, uploadId } = await create()
    const a = await put(await partUrl(key, uploadId, 1), randomBytes(MIN - 1))
    const b = await put(await partUrl(key, uploadId, 2), randomBytes(MIN))
    await expect(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: s3.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: a.etag! },
              { PartNumber: 2, ETag: b.etag! },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' })
  })

  it('answers 400 BadDigest to a wrong Content-MD5 and keeps no such part', async () => {
    const { key, uploadId } = await create()
    const body = randomBytes(1000)
    const wrong = md5(randomBytes(10)).toString('base64')
    const bad = await put(await partUrl(key, uploadId, 1, { md5: wrong }), body, {
      'content-md5': wrong,
    })
    expect([bad.status, errorCode(bad.text)]).toEqual([400, 'BadDigest'])
    const parts = await client.send(
      new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId }),
    )
    expect(parts.Parts ?? []).toEqual([])
    const right = md5(body).toString('base64')
    const url = await partUrl(key, uploadId, 1, { md5: right })
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-md5;host')
    expect((await put(url, body, { 'content-md5': right })).status).toBe(200)
    // The signed Content-MD5 binds the URL to those bytes: without the header it is refused.
    expect((await put(url, body)).status).toBe(403)
  })

  it('assembles a byte-identical object whose ETag is md5(part md5s)-N, also on HEAD', async () => {
    const { key, uploadId } = await create()
    const bodies = [randomBytes(MIN), randomBytes(MIN), randomBytes(123)]
    const Parts = []
    for (const [i, body] of bodies.entries()) {
      const { etag } = await put(await partUrl(key, uploadId, i + 1), body)
      expect(etag).toBe(`"${md5(body).toString('hex')}"`)
      Parts.push({ PartNumber: i + 1, ETag: etag! })
    }
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts },
      }),
    )
    const expected = `"${md5(Buffer.concat(bodies.map(md5))).toString('hex')}-3"`
    expect(done.ETag).toBe(expected)
    expect((await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))).ETag).toBe(
      expected,
    )
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(bodies))).toBe(
      true,
    )
    const listed = await client.send(
      new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: key }),
    )
    expect(listed.Uploads ?? []).toEqual([])
  })

  it('refuses an expired presigned URL with 403 "Request has expired" and a tampered one with 403', async () => {
    const { key, uploadId } = await create()
    const expired = await getSignedUrl(
      client,
      new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId, PartNumber: 1 }),
      { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) },
    )
    const answer = await put(expired, randomBytes(10))
    expect(answer.status).toBe(403)
    expect(answer.text).toContain('Request has expired')
    const url = new URL(await partUrl(key, uploadId, 1))
    url.searchParams.set('partNumber', '2')
    expect((await put(url.toString(), randomBytes(10))).status).toBe(403)
  })

  it('answers CORS preflights and exposes ETag to the page; a bucket without ExposeHeader does not', async () => {
    const { key, uploadId } = await create()
    const url = await partUrl(key, uploadId, 1)
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:5173',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-md5,content-type',
      },
    })
    expect(preflight.status).toBe(200)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT')
    const answer = await put(url, randomBytes(10), { origin: 'http://127.0.0.1:5173' })
    expect(answer.headers.get('access-control-expose-headers')).toBe('ETag')

    const hidden = await startLocalS3({ exposeEtag: false })
    try {
      const other = new S3Client({
        endpoint: hidden.endpoint,
        region: hidden.region,
        credentials: hidden.credentials,
        forcePathStyle: true,
      })
      const { UploadId } = await other.send(
        new CreateMultipartUploadCommand({ Bucket: hidden.bucket, Key: 'x' }),
      )
      const signed = await getSignedUrl(
        other,
        new UploadPartCommand({ Bucket: hidden.bucket, Key: 'x', UploadId, PartNumber: 1 }),
      )
      const plain = await put(signed, randomBytes(10), { origin: 'http://127.0.0.1:5173' })
      expect(plain.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173')
      expect(plain.headers.get('access-control-expose-headers')).toBeNull()
      other.destroy()
    } finally {
      await hidden.close()
    }
  })

  it('refuses keys with . or .. segments (its store maps keys to paths) and writes nothing outside', async () => {
    // Encoded slashes survive URL normalization and reach the router as a key with `..`.
    for (const key of ['..%2F..%2F..%2F..%2Fescape', 'a%2F..%2F..%2F..%2F..%2Fescape', '.%2Fx']) {
      const answer = await fetch(`${s3.endpoint}/${s3.bucket}/${key}`, { method: 'PUT', body: 'x' })
      expect([answer.status, errorCode(await answer.text())], key).toEqual([400, 'InvalidArgument'])
    }
    const encoded = await fetch(`${s3.endpoint}/${s3.bucket}/..%2F..%2F..%2F..%2Fescape`, {
      method: 'PUT',
      body: 'x',
    })
    expect(encoded.status).toBe(400)
    expect(existsSync(join(s3.directory, '..', 'escape'))).toBe(false)
    expect(existsSync(join(s3.directory, '..', '..', 'escape'))).toBe(false)
  })

  it('refuses unsigned requests (S3 does): no listing of uploads, no part written', async () => {
    const listing = await fetch(`${s3.endpoint}/${s3.bucket}?uploads`)
    expect([listing.status, errorCode(await listing.text())]).toEqual([403, 'AccessDenied'])
    const { key, uploadId } = await create()
    const unsigned = await put(
      `${s3.endpoint}/${s3.bucket}/${key}?partNumber=1&uploadId=${uploadId}`,
      randomBytes(10),
    )
    expect(unsigned.status).toBe(403)
    const parts = await client.send(
      new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId }),
    )
    expect(parts.Parts ?? []).toEqual([])
  })

  it('refuses part numbers outside 1..10000 and parts of unknown uploads', async () => {
    const { key, uploadId } = await create()
    const high = await put(await partUrl(key, uploadId, 10_001), randomBytes(10))
    expect(high.status).toBe(400)
    const unknown = await put(await partUrl(key, 'ab'.repeat(16), 1), randomBytes(10))
    expect([unknown.status, errorCode(unknown.text)]).toEqual([404, 'NoSuchUpload'])
  })
})
