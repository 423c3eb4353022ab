import { describe, expect, it } from 'vitest'
import {
  createUploader,
  MiB,
  GiB,
  planChunks,
  UploadError,
  type UploadSnapshot,
} from '../../src/core'
import {
  createS3Protocol,
  isEtagUnreadable,
  multipartEtag,
  s3Capabilities,
} from '../../src/protocols/s3'
import { presignedUrlExpiry } from '../../src/protocols/s3/errors'
import { FakeClock } from '../fakes/fake-clock'
import { FakeHasher, md5Hex } from '../fakes/fake-hasher'
import { ScriptedTransport, type ScriptedRequest } from '../fakes/scripted-transport'

const base = 'http://127.0.0.1:1/s3'
const id = 'payload.mac'
const bucketUrl = (n: number, v = 1) => `http://127.0.0.1:2/b/k?partNumber=${n}&uploadId=u&v=${v}`
const EXPIRED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'

function ctx(transport: ScriptedTransport) {
  return { transport, signal: new AbortController().signal, clock: new FakeClock() }
}

const protocol = createS3Protocol({ endpoint: `${base}/`, headers: { authorization: 'Bearer t' } })
/** Part 1 of upload `id`: ten bytes, one part of a ten-byte file. */
const sendTenBytes = (context: ReturnType<typeof ctx>) =>
  protocol.uploadPart({
    ...context,
    remote: { id },
    plan: { size: 10, partSize: 5 * MiB, count: 1 },
    part: { index: 0, start: 0, end: 10 },
    start: 0,
    body: new Blob(['0123456789']),
    onProgress: () => {},
  })
const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64')

describe('S3 protocol client (scripted transport)', () => {
  it('signs each part just before its PUT with the part MD5, and sends Content-MD5 to the bucket', async () => {
    const transport = new ScriptedTransport()
    const body = new Blob([new Uint8Array(1000).fill(7)])
    const md5 = md5Hex(new Uint8Array(1000).fill(7))
    const plan = { size: 1000, partSize: 5 * MiB, count: 1 }
    const sending = protocol.uploadPart({
      ...ctx(transport),
      remote: { id },
      plan,
      part: { index: 0, start: 0, end: 1000 },
      start: 0,
      body,
      partMd5: md5,
      onProgress: () => {},
    })
    const sign = await transport.next()
    expect([sign.method, sign.url]).toEqual(['POST', `${base}/uploads/${id}/parts/1`])
    expect(sign.headers).toMatchObject({ authorization: 'Bearer t' })
    expect(JSON.parse(sign.body as string)).toEqual({ md5: hexToBase64(md5) })
    sign.respond({ json: { url: bucketUrl(1), headers: { 'content-md5': hexToBase64(md5) } } })
    const put = await transport.next()
    expect([put.method, put.url, put.body]).toEqual(['PUT', bucketUrl(1), body])
    // Credentials of the signer never go to the bucket.
    expect(put.headers).toEqual({ 'content-md5': hexToBase64(md5) })
    put.respond({ headers: { etag: `"${md5}"` } })
    expect(await sending).toEqual({ index: 0, size: 1000, etag: md5 })
  })

  it('re-signs after a 403 "Request has expired": the engine retries with a fresh URL', async () => {
    const transport = new ScriptedTransport()
    const bytes = new Uint8Array(3000).map((_, i) => i % 251)
    const uploader = createUploader({
      protocol,
      transport,
      hasher: new FakeHasher(),
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      // A multipart upload's part URL: small files would take one presigned PUT instead.
      smallFileThreshold: 0,
    })
    const done = new Promise<UploadSnapshot>((resolve) => {
      uploader.on('upload-success', ({ upload }) => resolve(upload))
      uploader.on('upload-error', ({ upload }) => resolve(upload))
    })
    uploader.add(new File([bytes], 'x.bin', { lastModified: 1 }))
    const log: string[] = []
    const md5 = md5Hex(bytes)
    let puts = 0
    const answer = (r: ScriptedRequest) => {
      const path = new URL(r.url).pathname
      log.push(`${r.method} ${path}${r.method === 'PUT' ? new URL(r.url).search : ''}`)
      if (r.method === 'POST' && path.endsWith('/uploads'))
        return r.respond({ status: 201, json: { id, key: 'k' } })
      if (r.method === 'POST' && path.endsWith('/parts/1'))
        return r.respond({ json: { url: bucketUrl(1, log.length), headers: {} } })
      if (r.method === 'PUT') {
        return ++puts === 1
          ? r.respond({ status: 403, body: EXPIRED })
          : r.respond({ headers: { etag: `"${md5}"` } })
      }
      if (path.endsWith('/complete')) {
        expect(JSON.parse(r.body as string)).toEqual({ parts: [{ partNumber: 1, etag: md5 }] })
        return r.respond({ json: { etag: `"${multipartEtag([md5])}"`, size: 3000, key: 'k' } })
      }
      r.respond({ status: 500 })
    }
    const loop = (async () => {
      for (;;) {
        const r = await Promise.race([transport.next(), done.then(() => undefined)])
        if (!r) return
        answer(r)
      }
    })()
    const upload = await done
    await loop
    expect(upload.status.state).toBe('done')
    expect(upload.retries).toBe(1)
    const signs = log.filter((l) => l.endsWith('/parts/1'))
    const putUrls = log.filter((l) => l.startsWith('PUT'))
    expect(signs).toHaveLength(2)
    expect(new Set(putUrls).size).toBe(2) // the retry used the newly signed URL
    expect(log.indexOf(signs[1])).toBeLessThan(log.indexOf(putUrls[1]))
    uploader.destroy()
  })

  it('maps part PUT failures: expired → retryable now, BadDigest → retryable, NoSuchUpload → not-found, 403 → rejected', async () => {
    const cases: [number, string, string, boolean][] = [
      [403, EXPIRED, 'expired', true],
      [400, '<Error><Code>BadDigest</Code></Error>', 'server', true],
      [404, '<Error><Code>NoSuchUpload</Code></Error>', 'not-found', false],
      [403, '<Error><Code>SignatureDoesNotMatch</Code></Error>', 'rejected', false],
      [503, '<Error><Code>SlowDown</Code></Error>', 'server', true],
    ]
    for (const [status, body, code, retryable] of cases) {
      const transport = new ScriptedTransport()
      const sending = sendTenBytes(ctx(transport))
      ;(await transport.next()).respond({ json: { url: bucketUrl(1) } })
      ;(await transport.next()).respond({ status, body })
      const error = (await sending.catch((e: unknown) => e)) as UploadError
      expect([error.code, error.retryable], body).toEqual([code, retryable])
      if (code === 'expired') expect(error.retryAfterMs).toBe(0)
    }
  })

  it('re-signs a 403 with an empty message (Ceph RGW) when the URL itself says it expired', async () => {
    // X-Amz-Date + X-Amz-Expires of the URL against the clock; RGW's <Message> is empty.
    const RGW_DENIED = '<Error><Code>AccessDenied</Code><Message></Message></Error>'
    const signedAt = Date.UTC(2026, 11, 2, 13, 30, 0)
    const url = `${bucketUrl(1)}&X-Amz-Date=20261202T133000Z&X-Amz-Expires=300`
    expect(presignedUrlExpiry(url)).toBe(signedAt + 300_000)
    expect(presignedUrlExpiry(bucketUrl(1))).toBeUndefined()
    const attempt = async (now: number) => {
      const transport = new ScriptedTransport()
      const clock = new FakeClock()
      await clock.advance(now)
      const sending = sendTenBytes({ transport, signal: new AbortController().signal, clock })
      ;(await transport.next()).respond({ json: { url } })
      ;(await transport.next()).respond({ status: 403, body: RGW_DENIED })
      return (await sending.catch((e: unknown) => e)) as UploadError
    }
    const late = await attempt(signedAt + 301_000)
    expect([late.code, late.retryable, late.retryAfterMs]).toEqual(['expired', true, 0])
    // Within its lifetime the same 403 is a refusal, not an expiry.
    const fresh = await attempt(signedAt + 60_000)
    expect([fresh.code, fresh.retryable]).toEqual(['rejected', false])
  })

  it('completes when the signer passes on an empty object ETag (nothing to verify), and fails a wrong one', async () => {
    const md5 = md5Hex(new TextEncoder().encode('x'))
    const plan = { size: 1, partSize: 5 * MiB, count: 1 }
    const parts = [{ index: 0, size: 1, etag: md5 }]
    const transport = new ScriptedTransport()
    const completing = protocol.complete({ ...ctx(transport), remote: { id }, plan, parts })
    ;(await transport.next()).respond({ json: { etag: '', size: 1, key: 'k' } })
    expect(await completing).toMatchObject({ etag: undefined, size: 1, location: 'k' })
    const wrong = new ScriptedTransport()
    const failing = protocol.complete({ ...ctx(wrong), remote: { id }, plan, parts })
    ;(await wrong.next()).respond({ json: { etag: `"${'0'.repeat(32)}-1"`, size: 1 } })
    await expect(failing).rejects.toMatchObject({ code: 'hash-mismatch' })
  })

  it('fails with a typed error that explains CORS ExposeHeaders when the ETag is unreadable', async () => {
    const transport = new ScriptedTransport()
    const sending = sendTenBytes(ctx(transport))
    ;(await transport.next()).respond({ json: { url: bucketUrl(1) } })
    ;(await transport.next()).respond({ status: 200, headers: {} })
    const error = (await sending.catch((e: unknown) => e)) as UploadError
    expect(isEtagUnreadable(error)).toBe(true)
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/ExposeHeaders/)
    expect(error.message).toMatch(/ETag/)
  })

  it('reads every part the signer lists (all ListParts pages), keeping only parts of this plan', async () => {
    const transport = new ScriptedTransport()
    const plan = { size: 2500 * 5 * MiB + 3, partSize: 5 * MiB, count: 2501 }
    const status = protocol.status({ ...ctx(transport), remote: { id }, plan })
    const request = await transport.next()
    expect([request.method, request.url]).toEqual(['GET', `${base}/uploads/${id}/parts`])
    const listed = Array.from({ length: 2501 }, (_, i) => ({
      partNumber: i + 1,
      etag: `"${'a'.repeat(31)}${i % 10}"`,
      size: i === 2500 ? 3 : 5 * MiB,
    }))
    listed[7].size = 4 * MiB // written by another plan: must be sent again
    request.respond({ json: { parts: [...listed, { partNumber: 2502, etag: '"x"', size: 1 }] } })
    const { parts } = await status
    expect(parts).toHaveLength(2500)
    expect(parts[0]).toEqual({ index: 0, size: 5 * MiB, etag: `${'a'.repeat(31)}0` })
    expect(parts.some((p) => p.index === 7)).toBe(false)
    expect(parts.at(-1)).toEqual({ index: 2500, size: 3, etag: `${'a'.repeat(31)}0` })
  })

  it('plans at most 10,000 parts: 10,000 × 5 MiB stays at 5 MiB, one byte more grows the parts', () => {
    const exact = planChunks(10_000 * 5 * MiB, 5 * MiB, s3Capabilities)
    expect(exact).toEqual({ size: 10_000 * 5 * MiB, partSize: 5 * MiB, count: 10_000 })
    const over = planChunks(10_000 * 5 * MiB + 1, 5 * MiB, s3Capabilities)
    expect(over.partSize).toBe(6 * MiB)
    expect(over.count).toBeLessThanOrEqual(10_000)
    expect(planChunks(10_000 * 5 * GiB, 5 * MiB, s3Capabilities).count).toBe(10_000)
    expect(() => planChunks(10_000 * 5 * GiB + 1, 5 * MiB, s3Capabilities)).toThrow(
      expect.objectContaining({ code: 'too-many-parts' }),
    )
  })

  it('completes 10,000 parts with every ETag and checks the object ETag against md5-of-md5s-10000', async () => {
    const plan = { size: 10_000 * 5 * MiB, partSize: 5 * MiB, count: 10_000 }
    const parts = Array.from({ length: 10_000 }, (_, i) => ({
      index: 9_999 - i,
      size: 5 * MiB,
      etag: md5Hex(new TextEncoder().encode(String(i))),
    }))
    const sorted = [...parts].sort((a, b) => a.index - b.index)
    const expected = multipartEtag(sorted.map((p) => p.etag))
    expect(expected).toMatch(/^[0-9a-f]{32}-10000$/)

    const transport = new ScriptedTransport()
    const completing = protocol.complete({ ...ctx(transport), remote: { id }, plan, parts })
    const request = await transport.next()
    const sent = JSON.parse(request.body as string) as {
      parts: { partNumber: number; etag: string }[]
    }
    expect(sent.parts).toHaveLength(10_000)
    expect(sent.parts[0]).toEqual({ partNumber: 1, etag: sorted[0].etag })
    expect(sent.parts[9_999].partNumber).toBe(10_000)
    request.respond({ json: { etag: `"${expected}"`, size: plan.size, key: 'k' } })
    expect(await completing).toMatchObject({ etag: expected, size: plan.size, location: 'k' })

    const wrong = new ScriptedTransport()
    const failing = protocol.complete({ ...ctx(wrong), remote: { id }, plan, parts })
    ;(await wrong.next()).respond({ json: { etag: `"${'0'.repeat(32)}-10000"`, size: plan.size } })
    await expect(failing).rejects.toMatchObject({ code: 'hash-mismatch', retryable: false })
  })

  it('computes the multipart ETag like S3 (md5 of the binary part md5s)', () => {
    const a = md5Hex(new TextEncoder().encode('a'))
    const b = md5Hex(new TextEncoder().encode('b'))
    const both = new Uint8Array([...Buffer.from(a, 'hex'), ...Buffer.from(b, 'hex')])
    expect(multipartEtag([a, b])).toBe(`${md5Hex(both)}-2`)
  })

  it('sends an empty file as one empty part', async () => {
    const transport = new ScriptedTransport()
    const completing = protocol.complete({
      ...ctx(transport),
      remote: { id },
      plan: { size: 0, partSize: 5 * MiB, count: 0 },
      parts: [],
    })
    const sign = await transport.next()
    expect(JSON.parse(sign.body as string)).toEqual({ md5: '1B2M2Y8AsgTpgAmY7PhCfg==' })
    sign.respond({ json: { url: bucketUrl(1) } })
    ;(await transport.next()).respond({ headers: { etag: '"d41d8cd98f00b204e9800998ecf8427e"' } })
    const complete = await transport.next()
    expect(JSON.parse(complete.body as string)).toEqual({
      parts: [{ partNumber: 1, etag: 'd41d8cd98f00b204e9800998ecf8427e' }],
    })
    complete.respond({
      json: { etag: multipartEtag(['d41d8cd98f00b204e9800998ecf8427e']), size: 0 },
    })
    expect(await completing).toMatchObject({ size: 0 })
  })

  it('treats abort of an unknown upload as done, and a signer 5xx as retryable', async () => {
    const transport = new ScriptedTransport()
    const aborting = protocol.abort({
      ...ctx(transport),
      remote: { id },
      plan: { size: 1, partSize: 5 * MiB, count: 1 },
    })
    const request = await transport.next()
    expect([request.method, request.url]).toEqual(['DELETE', `${base}/uploads/${id}`])
    request.respond({ status: 404 })
    await expect(aborting).resolves.toBeUndefined()
    const t2 = new ScriptedTransport()
    const creating = protocol.create({
      ...ctx(t2),
      file: { name: 'a', size: 1, type: '', lastModified: 1 },
      fingerprint: 'f',
      plan: { size: 1, partSize: 5 * MiB, count: 1 },
      metadata: {},
    })
    ;(await t2.next()).respond({
      status: 502,
      json: { error: { code: 'storage-unavailable', message: 'x' } },
    })
    await expect(creating).rejects.toMatchObject({ code: 'server', retryable: true })
  })
})

describe('S3 protocol client: a resumed upload signs its first part beside the status request', () => {
  const plan = { size: 20 * MiB, partSize: 5 * MiB, count: 4 }
  /** Part 2 (index 1) of upload `id`, with or without its MD5. */
  const partTwo = (
    client: ReturnType<typeof createS3Protocol>,
    context: ReturnType<typeof ctx>,
    partMd5?: string,
  ) =>
    client.uploadPart({
      ...context,
      remote: { id },
      plan,
      part: { index: 1, start: 5 * MiB, end: 10 * MiB },
      start: 5 * MiB,
      body: new Blob(['x']),
      partMd5,
      onProgress: () => {},
    })
  const md5 = 'a'.repeat(32)

  /** prepareParts for part 2, its sign request answered with `bucketUrl(2, 7)`. */
  async function prepared() {
    const transport = new ScriptedTransport()
    const context = ctx(transport)
    const client = createS3Protocol({ endpoint: base, verifyEtag: false })
    client.prepareParts!({ ...context, remote: { id }, plan, indexes: [1] })
    const sign = await transport.next()
    expect([sign.method, sign.url]).toEqual(['POST', `${base}/uploads/${id}/parts/2`])
    expect(JSON.parse(sign.body as string)).toEqual({})
    return { transport, context, client, sign }
  }

  it('a part sent without its MD5 PUTs to the URL signed ahead, with no sign request of its own', async () => {
    const { transport, context, client, sign } = await prepared()
    sign.respond({ json: { url: bucketUrl(2, 7) } })
    const sending = partTwo(client, context)
    const put = await transport.next()
    expect([put.method, put.url]).toEqual(['PUT', bucketUrl(2, 7)])
    put.respond({ headers: { etag: `"${md5}"` } })
    expect(await sending).toMatchObject({ index: 1, etag: md5 })
    // Taken once: the part's next request (a retry) signs a fresh URL.
    const again = partTwo(client, context)
    const resign = await transport.next()
    expect([resign.method, resign.url]).toEqual(['POST', `${base}/uploads/${id}/parts/2`])
    resign.respond({ json: { url: bucketUrl(2, 8) } })
    ;(await transport.next()).respond({ headers: { etag: `"${md5}"` } })
    await again
  })

  it('a part sent with its MD5 signs its own URL (the Content-MD5 is in the signature)', async () => {
    const { transport, context, client, sign } = await prepared()
    sign.respond({ json: { url: bucketUrl(2, 7) } })
    const sending = partTwo(client, context, md5)
    const own = await transport.next()
    expect([own.method, JSON.parse(own.body as string)]).toEqual([
      'POST',
      { md5: hexToBase64(md5) },
    ])
    own.respond({ json: { url: bucketUrl(2, 9) } })
    const put = await transport.next()
    expect(put.url).toBe(bucketUrl(2, 9))
    put.respond({ headers: { etag: `"${md5}"` } })
    await sending
  })

  it('a URL signed ahead more than 30 s ago, or whose signing failed, is signed again', async () => {
    const stale = await prepared()
    stale.sign.respond({ json: { url: bucketUrl(2, 7) } })
    await stale.context.clock.advance(30_001)
    const late = partTwo(stale.client, stale.context)
    const resign = await stale.transport.next()
    expect(resign.method).toBe('POST')
    resign.respond({ json: { url: bucketUrl(2, 8) } })
    const put = await stale.transport.next()
    expect(put.url).toBe(bucketUrl(2, 8))
    put.respond({ headers: { etag: `"${md5}"` } })
    await late

    const failed = await prepared()
    failed.sign.respond({ status: 500 })
    const sending = partTwo(failed.client, failed.context)
    const own = await failed.transport.next()
    expect(own.method).toBe('POST')
    own.respond({ json: { url: bucketUrl(2, 8) } })
    ;(await failed.transport.next()).respond({ headers: { etag: `"${md5}"` } })
    await sending
  })
})

describe('S3 protocol client: small files as one presigned PUT', () => {
  const bytes = new Uint8Array(1000).fill(9)
  const md5 = md5Hex(bytes)
  const small = (transport: ScriptedTransport) => ({
    ...ctx(transport),
    file: { name: 'a.jpg', size: 1000, type: 'image/jpeg', lastModified: 1 },
    body: new Blob([bytes]),
    md5,
    metadata: {},
    onProgress: () => {},
  })
  const objectUrl = 'http://127.0.0.1:2/b/uploads/k/a.jpg?X-Amz-Signature=s'

  it('asks POST /objects with the Content-MD5, PUTs with it, and checks the ETag', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const sending = client.uploadSmall!(small(transport))
    const sign = await transport.next()
    expect([sign.method, sign.url]).toEqual(['POST', `${base}/objects`])
    expect(JSON.parse(sign.body as string)).toEqual({
      name: 'a.jpg',
      size: 1000,
      type: 'image/jpeg',
      md5: hexToBase64(md5),
    })
    sign.respond({
      json: {
        url: objectUrl,
        headers: { 'content-md5': hexToBase64(md5) },
        key: 'uploads/k/a.jpg',
      },
    })
    const put = await transport.next()
    expect([put.method, put.url, put.headers?.['content-md5']]).toEqual([
      'PUT',
      objectUrl,
      hexToBase64(md5),
    ])
    put.respond({ headers: { etag: `"${md5}"` } })
    expect(await sending).toMatchObject({ size: 1000, etag: md5, location: 'uploads/k/a.jpg' })
  })

  it('an ETag other than the MD5 is a hash-mismatch', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const sending = client.uploadSmall!(small(transport))
    ;(await transport.next()).respond({ json: { url: objectUrl, headers: {}, key: 'k' } })
    ;(await transport.next()).respond({ headers: { etag: `"${md5Hex(new Uint8Array(3))}"` } })
    await expect(sending).rejects.toMatchObject({ code: 'hash-mismatch', retryable: false })
  })

  it('a signer answering 404 gets undefined, and is not asked again', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const first = client.uploadSmall!(small(transport))
    ;(await transport.next()).respond({ status: 404, json: { error: { code: 'not-found' } } })
    expect(await first).toBeUndefined()
    expect(await client.uploadSmall!(small(transport))).toBeUndefined()
    expect(transport.open).toEqual([])
  })

  it('a file with metadata gets undefined with nothing sent (multipart sets x-amz-meta-*), others still go small', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    expect(
      await client.uploadSmall!({ ...small(transport), metadata: { album: 'x' } }),
    ).toBeUndefined()
    expect(transport.requests).toEqual([])
    void client.uploadSmall!(small(transport))
    expect((await transport.next()).url).toBe(`${base}/objects`)
  })
})

describe('S3 protocol client: small files signed ahead as POST forms', () => {
  const bytes = new Uint8Array(1000).fill(7)
  const md5 = md5Hex(bytes)
  const fileOf = (name: string, size = 1000) => ({
    name,
    size,
    type: 'image/jpeg',
    lastModified: 1,
  })
  const small = (transport: ScriptedTransport, file: ReturnType<typeof fileOf>) => ({
    ...ctx(transport),
    file,
    body: new Blob([bytes]),
    md5,
    metadata: {},
    onProgress: () => {},
  })
  const formUrl = 'http://127.0.0.1:2/b/'
  const formOf = (key: string) => ({
    key,
    size: 1000,
    url: formUrl,
    fields: { key, policy: 'cG9saWN5', 'x-amz-signature': 'ab' },
  })
  const created = (etag: string) =>
    `<PostResponse><Bucket>b</Bucket><Key>k</Key><ETag>"${etag}"</ETag></PostResponse>`

  it('signs the queued files in one POST /objects/batch, then posts each form without a progress listener', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const [a, b] = [fileOf('a.jpg'), fileOf('b.jpg')]
    client.prepareSmall!({ ...ctx(transport), files: [a, b] })
    const batch = await transport.next()
    expect([batch.method, batch.url]).toEqual(['POST', `${base}/objects/batch`])
    expect(JSON.parse(batch.body as string)).toEqual({
      files: [
        { name: 'a.jpg', size: 1000, type: 'image/jpeg' },
        { name: 'b.jpg', size: 1000, type: 'image/jpeg' },
      ],
    })
    batch.respond({ json: { objects: [formOf('k/a.jpg'), formOf('k/b.jpg')] } })
    // Asked again for the same files: nothing more is signed.
    client.prepareSmall!({ ...ctx(transport), files: [a, b] })
    const sending = client.uploadSmall!(small(transport, b))
    const post = await transport.next()
    expect([post.method, post.url, post.onUploadProgress]).toEqual(['POST', formUrl, undefined])
    // A FormData, no header of ours: the browser sets multipart/form-data with its boundary,
    // so the request stays "simple" (no preflight).
    expect(post.body).toBeInstanceOf(FormData)
    expect(Object.keys(post.headers ?? {})).toEqual([])
    const body = post.body as FormData
    expect(body.get('key')).toBe('k/b.jpg')
    expect(body.get('policy')).toBe('cG9saWN5')
    const file = body.get('file') as File
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes)
    // S3 reads the fields before the file: the file comes last.
    expect([...body.keys()].at(-1)).toBe('file')
    post.respond({ status: 201, body: created(md5) })
    expect(await sending).toMatchObject({ size: 1000, etag: md5, location: 'k/b.jpg' })
    expect(transport.open).toEqual([])
  })

  it("an ETag other than the file's MD5 is a hash-mismatch", async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const a = fileOf('a.jpg')
    client.prepareSmall!({ ...ctx(transport), files: [a] })
    ;(await transport.next()).respond({ json: { objects: [formOf('k/a.jpg')] } })
    const sending = client.uploadSmall!(small(transport, a))
    ;(await transport.next()).respond({ status: 201, body: created(md5Hex(new Uint8Array(3))) })
    await expect(sending).rejects.toMatchObject({ code: 'hash-mismatch', retryable: false })
  })

  it('a refused form (403) is retryable, and the retry signs a presigned PUT', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const a = fileOf('a.jpg')
    client.prepareSmall!({ ...ctx(transport), files: [a] })
    ;(await transport.next()).respond({ json: { objects: [formOf('k/a.jpg')] } })
    const first = client.uploadSmall!(small(transport, a))
    ;(await transport.next()).respond({
      status: 403,
      body: '<Error><Code>AccessDenied</Code></Error>',
    })
    await expect(first).rejects.toMatchObject({ code: 'expired', retryable: true })
    void client.uploadSmall!(small(transport, a))
    expect((await transport.next()).url).toBe(`${base}/objects`)
  })

  it('forms the browser cannot send (no POST in the CORS rule) turn forms off after two in a row', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const [a, b, c] = [fileOf('a.jpg'), fileOf('b.jpg'), fileOf('c.jpg')]
    client.prepareSmall!({ ...ctx(transport), files: [a, b, c] })
    ;(await transport.next()).respond({
      json: { objects: [formOf('k/a.jpg'), formOf('k/b.jpg'), formOf('k/c.jpg')] },
    })
    for (const file of [a, b]) {
      const failing = client.uploadSmall!(small(transport, file))
      const post = await transport.next()
      expect(post.url).toBe(formUrl)
      post.fail()
      await expect(failing).rejects.toMatchObject({ code: 'network' })
    }
    void client.uploadSmall!(small(transport, c))
    expect((await transport.next()).url).toBe(`${base}/objects`)
    client.prepareSmall!({ ...ctx(transport), files: [fileOf('d.jpg')] })
    expect(transport.requests.filter((r) => r.url.endsWith('/batch'))).toHaveLength(1)
  })

  it('one form lost on the way (a dropped link) does not turn forms off', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const [a, b, c] = [fileOf('a.jpg'), fileOf('b.jpg'), fileOf('c.jpg')]
    client.prepareSmall!({ ...ctx(transport), files: [a, b, c] })
    ;(await transport.next()).respond({
      json: { objects: [formOf('k/a.jpg'), formOf('k/b.jpg'), formOf('k/c.jpg')] },
    })
    const failing = client.uploadSmall!(small(transport, a))
    ;(await transport.next()).fail()
    await expect(failing).rejects.toMatchObject({ code: 'network' })
    const passing = client.uploadSmall!(small(transport, b))
    ;(await transport.next()).respond({ status: 201, body: created(md5) })
    await passing
    void client.uploadSmall!(small(transport, c))
    expect((await transport.next()).url).toBe(formUrl)
  })

  it('a signer without the batch route (404) is asked once; files are signed one by one', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const a = fileOf('a.jpg')
    client.prepareSmall!({ ...ctx(transport), files: [a] })
    ;(await transport.next()).respond({ status: 404, json: { error: { code: 'not-found' } } })
    void client.uploadSmall!(small(transport, a))
    expect((await transport.next()).url).toBe(`${base}/objects`)
    client.prepareSmall!({ ...ctx(transport), files: [fileOf('b.jpg')] })
    expect(transport.requests.filter((r) => r.url.endsWith('/batch'))).toHaveLength(1)
  })

  it('a batch answer that is not one form per file leaves the files to sign themselves', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const [a, b] = [fileOf('a.jpg'), fileOf('b.jpg')]
    client.prepareSmall!({ ...ctx(transport), files: [a, b] })
    ;(await transport.next()).respond({ json: { objects: [formOf('k/a.jpg')] } })
    void client.uploadSmall!(small(transport, a))
    expect((await transport.next()).url).toBe(`${base}/objects`)
  })

  it('files over 1 MiB are not signed as forms (the browser would preflight them): a presigned PUT each', async () => {
    const transport = new ScriptedTransport()
    const client = createS3Protocol({ endpoint: base })
    const [small1, big] = [fileOf('a.jpg'), fileOf('big.bin', 1024 * 1024 + 1)]
    client.prepareSmall!({ ...ctx(transport), files: [small1, big] })
    const batch = await transport.next()
    expect(JSON.parse(batch.body as string).files.map((f: { name: string }) => f.name)).toEqual([
      'a.jpg',
    ])
    batch.respond({ json: { objects: [formOf('k/a.jpg')] } })
    const seen: number[] = []
    void client.uploadSmall!({
      ...small(transport, big),
      body: new Blob([new Uint8Array(big.size)]),
      md5: undefined,
      onProgress: (loaded) => seen.push(loaded),
    })
    expect((await transport.next()).url).toBe(`${base}/objects`)
  })
})
