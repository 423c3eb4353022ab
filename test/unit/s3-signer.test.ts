// @vitest-environment node
/** The signing endpoints' paging and completion checks, against a stub S3 client. */
import { describe, expect, it } from 'vitest'
import { ListPartsCommand, type S3Client } from '@aws-sdk/client-s3'
import { createS3Client, createS3SigningHandler } from '../../server/s3'

function stubClient(
  handle: (command: { constructor: { name: string }; input: Record<string, unknown> }) => unknown,
) {
  const calls: { name: string; input: Record<string, unknown> }[] = []
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ name: command.constructor.name, input: command.input })
      return handle(command)
    },
  } as unknown as S3Client
  return { client, calls }
}

async function createUpload(handler: (r: Request) => Promise<Response>, size: number) {
  const res = await handler(
    new Request('http://x/s3/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a.bin', size }),
    }),
  )
  return ((await res.json()) as { id: string }).id
}

/** Asks to complete upload `id` from one part. */
const completeOnePart = (handler: (r: Request) => Promise<Response>, id: string) =>
  handler(
    new Request(`http://x/s3/uploads/${id}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parts: [{ partNumber: 1, etag: 'a'.repeat(32) }] }),
    }),
  )

describe('S3 signing endpoints (stub client)', () => {
  it('signs small objects past the count cap (they are not unfinished uploads) but within the byte cap, which they share with multipart uploads', async () => {
    const client = createS3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    })
    let uploads = 0
    client.send = (async () => ({ UploadId: `u${++uploads}` })) as unknown as typeof client.send
    const handler = createS3SigningHandler({
      client,
      bucket: 'b',
      maxOpenUploads: 2,
      maxOpenBytes: 10_000,
    })
    const post = (path: string, body: object) =>
      handler(
        new Request(`http://x/s3${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer alice' },
          body: JSON.stringify(body),
        }),
      )
    // Five small files: more than the two unfinished uploads allowed, 5,000 bytes declared.
    for (let i = 0; i < 5; i++) {
      expect((await post('/objects', { name: `p${i}.jpg`, size: 1000 })).status).toBe(200)
    }
    // Their bytes still count: 5,000 + 6,000 is over the 10,000-byte cap.
    const over = await post('/objects', { name: 'big.jpg', size: 6000 })
    expect(over.status).toBe(429)
    expect(await over.json()).toMatchObject({ error: { code: 'too-many-uploads' } })
    expect((await post('/uploads', { name: 'm.bin', size: 6000 })).status).toBe(429)
    // The count cap still holds for multipart uploads, which small objects do not fill.
    expect((await post('/uploads', { name: 'a.bin', size: 1000 })).status).toBe(201)
    expect((await post('/uploads', { name: 'b.bin', size: 1000 })).status).toBe(201)
    expect((await post('/uploads', { name: 'c.bin', size: 1000 })).status).toBe(429)
  })

  it('POST /objects/batch counts a batch against the byte caps as a whole, per caller, and signs each form for its own key and size', async () => {
    const client = createS3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    })
    const handler = createS3SigningHandler({
      client,
      bucket: 'b',
      maxOpenBytes: 10_000,
      maxOpenBytesPerAddress: 100_000,
    })
    const batch = (who: string, sizes: number[]) =>
      handler(
        new Request('http://x/s3/objects/batch', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${who}` },
          body: JSON.stringify({ files: sizes.map((size, i) => ({ name: `p${i}.jpg`, size })) }),
        }),
      )
    // 6,000 + 6,000 is over the cap: refused whole, nothing counted.
    const over = await batch('alice', [6000, 6000])
    expect(over.status).toBe(429)
    expect(await over.json()).toMatchObject({ error: { code: 'too-many-uploads', unit: 'bytes' } })
    const ok = await batch('alice', [6000, 3000])
    expect(ok.status).toBe(200)
    const { objects } = (await ok.json()) as {
      objects: { key: string; size: number; url: string; fields: Record<string, string> }[]
    }
    expect(objects.map((o) => o.size)).toEqual([6000, 3000])
    expect(new Set(objects.map((o) => o.key)).size).toBe(2)
    for (const form of objects) {
      expect(form.url).toBe('http://127.0.0.1:9/b/')
      expect(form.fields.key).toBe(form.key)
      const policy = JSON.parse(Buffer.from(form.fields.policy!, 'base64').toString()) as {
        conditions: unknown[]
      }
      expect(policy.conditions).toContainEqual({ key: form.key })
      expect(policy.conditions).toContainEqual({ bucket: 'b' })
      expect(policy.conditions).toContainEqual(['content-length-range', form.size, form.size])
    }
    // Alice's 9,000 bytes are signed and count until the forms expire; Bob has his own cap.
    expect((await batch('alice', [2000])).status).toBe(429)
    expect((await batch('bob', [6000, 3000])).status).toBe(200)
  })

  it('follows every ListParts page (1,000 parts a page) and answers them all at once', async () => {
    const total = 2_500
    const { client, calls } = stubClient((command) => {
      if (command.constructor.name === 'CreateMultipartUploadCommand') return { UploadId: 'u1' }
      if (command instanceof ListPartsCommand) {
        const marker = Number(command.input.PartNumberMarker ?? 0)
        const numbers = Array.from(
          { length: Math.min(1000, total - marker) },
          (_, i) => marker + i + 1,
        )
        return {
          Parts: numbers.map((n) => ({
            PartNumber: n,
            ETag: `"${String(n).padStart(32, '0')}"`,
            Size: 5,
          })),
          IsTruncated: marker + numbers.length < total,
          NextPartNumberMarker: String(numbers.at(-1)),
        }
      }
      throw new Error(`unexpected ${command.constructor.name}`)
    })
    const handler = createS3SigningHandler({ client, bucket: 'b' })
    const id = await createUpload(handler, 10 * 1024 ** 3)
    const res = await handler(new Request(`http://x/s3/uploads/${id}/parts`))
    expect(res.status).toBe(200)
    const { parts } = (await res.json()) as { parts: { partNumber: number }[] }
    expect(parts.map((p) => p.partNumber)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    const lists = calls.filter((c) => c.name === 'ListPartsCommand')
    expect(lists.map((c) => c.input.PartNumberMarker)).toEqual([undefined, '1000', '2000'])
    expect(calls[0].input.Key).toMatch(/^uploads\/\d{4}-\d\d-\d\d\/[\w-]{22}\/a\.bin$/)
  })

  it('deletes the object and answers 422 when the completed object is not the declared size', async () => {
    const { client, calls } = stubClient((command) => {
      switch (command.constructor.name) {
        case 'CreateMultipartUploadCommand':
          return { UploadId: 'u1' }
        case 'CompleteMultipartUploadCommand':
          return { ETag: '"abc-1"' }
        case 'HeadObjectCommand':
          return { ContentLength: 99, ETag: '"abc-1"' }
        default:
          return {}
      }
    })
    const handler = createS3SigningHandler({ client, bucket: 'b' })
    const id = await createUpload(handler, 100)
    const res = await completeOnePart(handler, id)
    expect(res.status).toBe(422)
    expect(calls.map((c) => c.name)).toContain('DeleteObjectCommand')
  })

  it('maps NoSuchUpload to 404 and storage outages to a retryable 502', async () => {
    let fail: object = { name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } }
    const { client } = stubClient((command) => {
      if (command.constructor.name === 'CreateMultipartUploadCommand') return { UploadId: 'u1' }
      throw Object.assign(new Error('x'), fail)
    })
    const handler = createS3SigningHandler({ client, bucket: 'b' })
    const id = await createUpload(handler, 100)
    expect((await handler(new Request(`http://x/s3/uploads/${id}/parts`))).status).toBe(404)
    fail = { name: 'InternalError', $metadata: { httpStatusCode: 500 } }
    expect((await handler(new Request(`http://x/s3/uploads/${id}/parts`))).status).toBe(502)
    // Abort of an upload S3 no longer knows is done, not an error.
    fail = { name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } }
    expect(
      (await handler(new Request(`http://x/s3/uploads/${id}`, { method: 'DELETE' }))).status,
    ).toBe(204)
  })

  it('answers the object ETag from HEAD when Complete gives an empty one (Ceph RGW)', async () => {
    const { client, calls } = stubClient((command) => {
      switch (command.constructor.name) {
        case 'CreateMultipartUploadCommand':
          return { UploadId: 'u1' }
        case 'CompleteMultipartUploadCommand':
          return { ETag: '' } // RGW 16.2: <ETag></ETag>
        case 'HeadObjectCommand':
          return { ContentLength: 100, ETag: `"${'b'.repeat(32)}-1"` }
        default:
          return {}
      }
    })
    const handler = createS3SigningHandler({ client, bucket: 'b' })
    const id = await createUpload(handler, 100)
    const res = await completeOnePart(handler, id)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ etag: `${'b'.repeat(32)}-1`, size: 100 })
    expect(calls.map((c) => c.name)).toContain('HeadObjectCommand')
  })

  it('maps NoSuchKey (Ceph RGW: an aborted or expired upload) like NoSuchUpload: 404, abort done', async () => {
    const { client } = stubClient((command) => {
      if (command.constructor.name === 'CreateMultipartUploadCommand') return { UploadId: 'u1' }
      throw Object.assign(new Error(''), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })
    })
    const handler = createS3SigningHandler({ client, bucket: 'b' })
    const id = await createUpload(handler, 100)
    const listed = await handler(new Request(`http://x/s3/uploads/${id}/parts`))
    expect(listed.status).toBe(404)
    expect(await listed.json()).toMatchObject({ error: { code: 'not-found' } })
    expect(
      (await handler(new Request(`http://x/s3/uploads/${id}`, { method: 'DELETE' }))).status,
    ).toBe(204)
  })

  it("signs only parts of the caller's own upload (same Authorization), within the upload's part range, for at most an hour", async () => {
    const client = createS3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    })
    client.send = (async () => ({ UploadId: 'u1' })) as unknown as typeof client.send
    const handler = createS3SigningHandler({ client, bucket: 'b', partUrlExpiresIn: 7 * 86400 })
    const as = (token: string | undefined, url: string, init: RequestInit = {}) =>
      handler(
        new Request(url, {
          method: 'POST',
          ...init,
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        }),
      )
    const created = await as('alice', 'http://x/s3/uploads', {
      body: JSON.stringify({ name: 'a.bin', size: 12 * 1024 * 1024 }),
    })
    const { id } = (await created.json()) as { id: string }
    const signed = await as('alice', `http://x/s3/uploads/${id}/parts/1`, { body: '{}' })
    expect(signed.status).toBe(200)
    const { url } = (await signed.json()) as { url: string }
    const query = new URL(url).searchParams
    expect(query.get('X-Amz-Expires')).toBe('3600')
    expect(query.get('uploadId')).toBe('u1')
    expect(query.get('partNumber')).toBe('1')
    // 12 MiB at the 5 MiB minimum part size: parts 1..3 exist, no more.
    expect((await as('alice', `http://x/s3/uploads/${id}/parts/4`, { body: '{}' })).status).toBe(
      400,
    )
    for (const other of ['mallory', undefined]) {
      expect((await as(other, `http://x/s3/uploads/${id}/parts/1`, { body: '{}' })).status).toBe(
        404,
      )
    }
    // A tampered handle (another key or size under the same MAC) is refused too.
    const [payload, mac] = id.split('.')
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), s: 1e12 }),
    ).toString('base64url')
    expect(
      (await as('alice', `http://x/s3/uploads/${forged}.${mac}/parts/1`, { body: '{}' })).status,
    ).toBe(404)
  })
})
