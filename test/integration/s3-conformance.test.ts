/**
 * What the S3 client depends on, asked of every S3 the suites know: the local S3
 * (server/s3-local) always, and the S3 of the environment (Ceph RGW under CI). Where real
 * servers differ (RGW's NoSuchKey, its empty messages) the assertions accept what S3
 * servers answer and check that the client reads it right.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { partError } from '../../src/protocols/s3/errors'
import { preflightPut } from '../infra/cors'
import { openS3Target, s3FromEnv, type S3Target } from '../infra/s3-target'

const ORIGIN = 'http://127.0.0.1:5173'
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1]
const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase())

const targets: ('local' | 'env')[] = ['local']
if (s3FromEnv()) targets.push('env')
else if (ci) throw new Error('CI: no S3 in the environment (test/infra/s3-global-setup.ts)')

describe.each(targets)('S3 behaviours the client relies on (%s)', (which) => {
  let s3: S3Target

  beforeAll(async () => {
    const saved = { ...process.env }
    if (which === 'local') {
      for (const name of ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID']) delete process.env[name]
    }
    try {
      s3 = await openS3Target({ origins: [ORIGIN] })
    } finally {
      Object.assign(process.env, saved)
    }
  })
  afterAll(() => s3?.close())

  async function upload() {
    const key = `c/${randomBytes(4).toString('hex')}.bin`
    const { UploadId } = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
    )
    return { key, uploadId: UploadId! }
  }
  const partUrl = (key: string, uploadId: string, expiresIn = 60, md5?: string) =>
    getSignedUrl(
      s3.client,
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: 1,
        ContentMD5: md5,
      }),
      { expiresIn, signableHeaders: md5 ? new Set(['content-md5']) : undefined },
    )
  const put = async (url: string, headers: Record<string, string> = {}) => {
    const response = await fetch(url, { method: 'PUT', body: randomBytes(64), headers })
    return { status: response.status, text: await response.text(), headers: response.headers }
  }
  const bucketUrl = () =>
    s3.endpoint ? `${s3.endpoint}/${s3.bucket}` : `https://${s3.bucket}.s3.amazonaws.com`

  it('refuses unsigned requests and wrongly signed URLs with 403', async () => {
    const listing = await fetch(`${bucketUrl()}?uploads`)
    expect(listing.status).toBe(403)
    const { key, uploadId } = await upload()
    const unsigned = await put(`${bucketUrl()}/${key}?partNumber=1&uploadId=${uploadId}`)
    expect(unsigned.status).toBe(403)
    const url = new URL(await partUrl(key, uploadId))
    const signature = url.searchParams.get('X-Amz-Signature')!
    url.searchParams.set(
      'X-Amz-Signature',
      `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
    )
    const tampered = await put(url.toString())
    expect([tampered.status, errorCode(tampered.text)]).toEqual([403, 'SignatureDoesNotMatch'])
  })

  it('answers 404 for an aborted upload (NoSuchUpload, or NoSuchKey on RGW) to ListParts and part PUTs', async () => {
    const { key, uploadId } = await upload()
    const url = await partUrl(key, uploadId)
    expect((await put(url)).status).toBe(200)
    await s3.client.send(
      new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId }),
    )
    const error = (await s3.client
      .send(new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId }))
      .catch((e: unknown) => e)) as { name: string; $metadata: { httpStatusCode: number } }
    expect(error.$metadata.httpStatusCode).toBe(404)
    expect(['NoSuchUpload', 'NoSuchKey']).toContain(error.name)
    const again = await put(url)
    expect(again.status).toBe(404)
    expect(['NoSuchUpload', 'NoSuchKey']).toContain(errorCode(again.text))
  })

  it('refuses an expired URL with 403, which the client reads as expired (re-sign)', async () => {
    const { key, uploadId } = await upload()
    const url = await partUrl(key, uploadId, 1)
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    const late = await put(url)
    expect([late.status, errorCode(late.text)]).toEqual([403, 'AccessDenied'])
    const response = { status: late.status, body: late.text, headers: {} }
    const error = partError(response, Date.now(), 1, url)
    expect([error.code, error.retryable]).toEqual(['expired', true])
  })

  it('allows preflights only for the rule: its origin, its headers; PUT answers expose ETag', async () => {
    const { key, uploadId } = await upload()
    const md5 = randomBytes(16).toString('base64')
    const url = await partUrl(key, uploadId, 60, md5)
    const preflight = (origin: string, headers: string) => preflightPut(url, origin, headers)
    const ok = await preflight(ORIGIN, 'content-md5,content-type')
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(ok.headers.get('access-control-allow-methods')).toContain('PUT')
    for (const refused of [
      await preflight(ORIGIN, 'content-md5,x-unlisted'),
      await preflight('http://evil.example', 'content-md5'),
    ]) {
      expect(refused.status).toBe(403)
      expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    }
    const plain = await partUrl(key, uploadId)
    const answer = await put(plain, { origin: ORIGIN })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(answer.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('etag')
    expect(answer.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/)
    await s3.client.send(
      new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId }),
    )
  })
})
