import { describe, expect, it } from 'vitest'
import { UploadError, type PartRequest } from '../../src/core'
import { createTusProtocol } from '../../src/protocols/tus'
import { FakeClock } from '../fakes/fake-clock'
import { ScriptedTransport, type ScriptedRequest } from '../fakes/scripted-transport'
import { KiB } from '../fakes/files'

const endpoint = 'http://127.0.0.1:1/tus'
const url = `${endpoint}/abc123`
const plan = { size: 600 * KiB, partSize: 256 * KiB, count: 3 }
const file = { name: 'résumé.pdf', size: plan.size, type: 'application/pdf', lastModified: 1 }
const TUS = { 'tus-version': '1.0.0', 'tus-resumable': '1.0.0' }
const BASIC = { ...TUS, 'tus-extension': 'creation,termination,expiration' }

function ctx(transport: ScriptedTransport, clock = new FakeClock()) {
  return { transport, signal: new AbortController().signal, clock }
}

async function answerOptions(
  transport: ScriptedTransport,
  headers: Record<string, string> = BASIC,
): Promise<ScriptedRequest> {
  const request = await transport.next()
  expect(request.method).toBe('OPTIONS')
  expect(request.url).toBe(endpoint)
  request.respond({ status: 204, headers })
  return request
}

function decodeMetadata(header: string): Record<string, string> {
  return Object.fromEntries(
    header.split(',').map((pair) => {
      const [key, value] = pair.split(' ')
      return [key, Buffer.from(value, 'base64').toString('utf8')]
    }),
  )
}

function part(
  transport: ScriptedTransport,
  index: number,
  start: number,
  extra: Partial<PartRequest> = {},
) {
  const range = {
    index,
    start: index * plan.partSize,
    end: Math.min(plan.size, (index + 1) * plan.partSize),
  }
  return {
    ...ctx(transport),
    remote: { url, expiresAt: null },
    plan,
    part: range,
    start,
    body: new Blob([new Uint8Array(range.end - start)]),
    onProgress: () => {},
    ...extra,
  }
}

/** A fresh tus protocol creating `file` (fingerprint `f`, no metadata) over its own transport. */
function creating() {
  const transport = new ScriptedTransport()
  const created = createTusProtocol({ endpoint }).create({
    ...ctx(transport),
    file,
    fingerprint: 'f',
    plan,
    metadata: {},
  })
  return { transport, created }
}

describe('tus protocol: creation and OPTIONS', () => {
  it('learns the server once, then creates with Upload-Length and UTF-8 metadata', async () => {
    const protocol = createTusProtocol({
      endpoint: `${endpoint}/`,
      headers: { authorization: 'Bearer t' },
    })
    const transport = new ScriptedTransport()
    const created = protocol.create({
      ...ctx(transport),
      file,
      fingerprint: '614400:abcd',
      hash: 'd41d8cd98f00b204e9800998ecf8427e',
      plan,
      metadata: { project: '项目' },
    })
    await answerOptions(transport)
    const post = await transport.next()
    expect(post.method).toBe('POST')
    expect(post.url).toBe(endpoint)
    expect(post.headers).toMatchObject({
      authorization: 'Bearer t',
      'tus-resumable': '1.0.0',
      'upload-length': String(plan.size),
    })
    expect(decodeMetadata(post.headers!['upload-metadata'])).toEqual({
      filename: 'résumé.pdf',
      filetype: 'application/pdf',
      fingerprint: '614400:abcd',
      md5: 'd41d8cd98f00b204e9800998ecf8427e',
      project: '项目',
    })
    post.respond({
      status: 201,
      headers: { location: '/tus/abc123', 'upload-expires': 'Sat, 28 Nov 2026 07:14:23 GMT' },
    })
    expect(await created).toEqual({
      kind: 'created',
      remote: {
        url: 'http://127.0.0.1:1/tus/abc123',
        expiresAt: Date.parse('2026-11-28T07:14:23Z'),
      },
    })
    // Cached per instance: the next creation goes straight to POST.
    const again = protocol.create({ ...ctx(transport), file, fingerprint: 'f', plan, metadata: {} })
    const second = await transport.next()
    expect(second.method).toBe('POST')
    second.respond({ status: 201, headers: { location: `${url}2` } })
    await expect(again).resolves.toMatchObject({ remote: { url: `${url}2`, expiresAt: null } })
    expect(transport.requests.filter((r) => r.method === 'OPTIONS')).toHaveLength(1)
  })

  it('shares one OPTIONS between concurrent callers and asks again after a failed one', async () => {
    const protocol = createTusProtocol({ endpoint })
    const transport = new ScriptedTransport()
    const first = protocol.status({ ...ctx(transport), remote: { url }, plan })
    const second = protocol.status({ ...ctx(transport), remote: { url }, plan })
    const options = await transport.next()
    // One OPTIONS for both, each with its own HEAD beside it.
    expect(transport.open.map((r) => r.method)).toEqual(['OPTIONS', 'HEAD', 'HEAD'])
    options.respond({ status: 503 })
    await expect(first).rejects.toMatchObject({ code: 'server', retryable: true })
    await expect(second).rejects.toMatchObject({ code: 'server', retryable: true })
    // A failed OPTIONS stops the HEADs sent beside it.
    const heads = [await transport.next(), await transport.next()]
    expect(heads.map((h) => [h.method, h.signal.aborted])).toEqual([
      ['HEAD', true],
      ['HEAD', true],
    ])
    const third = protocol.status({ ...ctx(transport), remote: { url }, plan })
    await answerOptions(transport)
    ;(await transport.next()).respond({ status: 200, headers: { 'upload-offset': '0' } })
    await expect(third).resolves.toEqual({ parts: [], offset: 0 })
  })

  it('refuses a file over Tus-Max-Size before creating anything', async () => {
    const { transport, created } = creating()
    await answerOptions(transport, { ...BASIC, 'tus-max-size': String(plan.size - 1) })
    await expect(created).rejects.toMatchObject({
      code: 'file-too-large',
      retryable: false,
      params: { maxSize: plan.size - 1 },
    })
    expect(transport.requests).toHaveLength(1)
  })

  it('refuses a server that does not speak tus 1.0.0', async () => {
    const { transport, created } = creating()
    await answerOptions(transport, { 'tus-version': '0.2.2', 'tus-extension': 'creation' })
    await expect(created).rejects.toMatchObject({ code: 'unsupported', retryable: false })
  })

  it('assumes creation when OPTIONS is not answered (405), and maps POST 413', async () => {
    const { transport, created } = creating()
    ;(await transport.next()).respond({ status: 405 })
    const post = await transport.next()
    expect(post.method).toBe('POST')
    post.respond({ status: 413 })
    await expect(created).rejects.toMatchObject({ code: 'file-too-large' })
  })

  it('treats a creation answer without Location as a protocol error', async () => {
    const { transport, created } = creating()
    await answerOptions(transport)
    ;(await transport.next()).respond({ status: 201 })
    await expect(created).rejects.toMatchObject({ code: 'protocol', retryable: false })
  })
})

describe('tus protocol: HEAD, PATCH, DELETE', () => {
  async function learned(headers: Record<string, string> = BASIC) {
    const protocol = createTusProtocol({ endpoint })
    const transport = new ScriptedTransport()
    const status = protocol.status({ ...ctx(transport), remote: { url }, plan })
    await answerOptions(transport, headers)
    ;(await transport.next()).respond({ status: 200, headers: { 'upload-offset': '0' } })
    await status
    return { protocol, transport }
  }

  it('asks OPTIONS and HEAD at once for a server not learned yet (a resumed upload after a reload)', async () => {
    const protocol = createTusProtocol({ endpoint })
    const transport = new ScriptedTransport()
    const status = protocol.status({ ...ctx(transport), remote: { url, expiresAt: null }, plan })
    const options = await transport.next()
    // Sent before OPTIONS is answered: on the old code this waited forever.
    const head = await transport.next()
    expect([options.method, head.method, head.url]).toEqual(['OPTIONS', 'HEAD', url])
    head.respond({
      status: 200,
      headers: { 'upload-offset': '100', 'upload-length': String(plan.size) },
    })
    options.respond({
      status: 204,
      headers: { ...TUS, 'tus-extension': 'creation,checksum', 'tus-checksum-algorithm': 'md5' },
    })
    expect(await status).toEqual({ parts: [], offset: 100 })
    // What OPTIONS said is known before the parts go.
    expect(protocol.capabilities.partChecksum).toBe('md5')
  })

  it('a server refusing tus 1.0.0 fails status, whatever HEAD answered', async () => {
    const protocol = createTusProtocol({ endpoint })
    const transport = new ScriptedTransport()
    const status = protocol.status({ ...ctx(transport), remote: { url, expiresAt: null }, plan })
    const options = await transport.next()
    ;(await transport.next()).respond({ status: 200, headers: { 'upload-offset': '0' } })
    options.respond({ status: 204, headers: { 'tus-version': '2.0.0' } })
    await expect(status).rejects.toMatchObject({ code: 'unsupported' })
  })

  it('reads the offset from HEAD', async () => {
    const { protocol, transport } = await learned()
    const status = protocol.status({ ...ctx(transport), remote: { url, expiresAt: null }, plan })
    const head = await transport.next()
    expect([head.method, head.url, head.headers?.['tus-resumable']]).toEqual(['HEAD', url, '1.0.0'])
    head.respond({
      status: 200,
      headers: { 'upload-offset': '300000', 'upload-length': String(plan.size) },
    })
    expect(await status).toEqual({ parts: [], offset: 300000 })
  })

  it('maps HEAD answers: 404 not-found, 410 expired, other length, missing offset, 503', async () => {
    const { protocol, transport } = await learned()
    const cases: [number, Record<string, string>, string, boolean][] = [
      [404, {}, 'not-found', false],
      [410, {}, 'expired', false],
      [200, { 'upload-offset': '0', 'upload-length': '5' }, 'not-found', false],
      [200, {}, 'protocol', false],
      [200, { 'upload-offset': 'x' }, 'protocol', false],
      [503, { 'retry-after': '2' }, 'server', true],
    ]
    for (const [status, headers, code, retryable] of cases) {
      const asking = protocol.status({ ...ctx(transport), remote: { url }, plan })
      ;(await transport.next()).respond({ status, headers })
      const error = (await asking.catch((e: unknown) => e)) as UploadError
      expect([error.code, error.retryable], `HEAD ${status} ${JSON.stringify(headers)}`).toEqual([
        code,
        retryable,
      ])
    }
  })

  it('honours Upload-Expires: from HEAD, else the one saved at creation; a finished upload never expires', async () => {
    const { protocol, transport } = await learned()
    const clock = new FakeClock()
    await clock.advance(Date.parse('2026-11-30T00:00:00Z'))
    const past = 'Sat, 28 Nov 2026 07:14:23 GMT'
    const future = 'Mon, 30 Nov 2026 01:00:00 GMT'
    const ask = async (
      remote: Record<string, string | number | null>,
      headers: Record<string, string>,
    ) => {
      const asking = protocol.status({ ...ctx(transport, clock), remote, plan })
      ;(await transport.next()).respond({ status: 200, headers })
      return asking.catch((e: unknown) => e)
    }
    expect(await ask({ url }, { 'upload-offset': '10', 'upload-expires': past })).toMatchObject({
      code: 'expired',
      retryable: false,
    })
    const saved = { url, expiresAt: Date.parse(past) }
    expect(await ask(saved, { 'upload-offset': '10' })).toMatchObject({ code: 'expired' })
    // The server's own later expiry (renewed by a PATCH) wins over the saved one.
    expect(await ask(saved, { 'upload-offset': '10', 'upload-expires': future })).toEqual({
      parts: [],
      offset: 10,
    })
    expect(await ask(saved, { 'upload-offset': String(plan.size) })).toEqual({
      parts: [],
      offset: plan.size,
    })
  })

  it('PATCHes the bytes from `start` with the offset content type', async () => {
    const { protocol, transport } = await learned()
    const loaded: number[] = []
    const request = part(transport, 1, 300 * KiB, { onProgress: (n) => loaded.push(n) })
    const sending = protocol.uploadPart(request)
    const patch = await transport.next()
    expect(patch.method).toBe('PATCH')
    expect(patch.url).toBe(url)
    expect(patch.body).toBe(request.body)
    expect(patch.headers).toMatchObject({
      'tus-resumable': '1.0.0',
      'upload-offset': String(300 * KiB),
      'content-type': 'application/offset+octet-stream',
    })
    expect(patch.headers?.['upload-checksum']).toBeUndefined()
    patch.progress(100)
    patch.respond({ status: 204, headers: { 'upload-offset': String(512 * KiB) } })
    expect(await sending).toEqual({ index: 1, size: 256 * KiB })
    expect(loaded).toEqual([100])
  })

  it('maps PATCH answers: 409 conflict and a short offset retryable, 460 retryable, 410 expired, past the end protocol', async () => {
    const { protocol, transport } = await learned()
    const cases: [number, Record<string, string>, string, boolean][] = [
      [409, {}, 'server', true],
      [204, { 'upload-offset': String(100 * KiB) }, 'server', true],
      [460, {}, 'server', true],
      [410, {}, 'expired', false],
      [404, {}, 'not-found', false],
      [204, { 'upload-offset': String(plan.size) }, 'protocol', false],
      [204, {}, 'protocol', false],
    ]
    for (const [status, headers, code, retryable] of cases) {
      const sending = protocol.uploadPart(part(transport, 0, 0))
      ;(await transport.next()).respond({ status, headers })
      const error = (await sending.catch((e: unknown) => e)) as UploadError
      expect(error, `PATCH ${status}`).toBeInstanceOf(UploadError)
      expect([error.code, error.retryable], `PATCH ${status}`).toEqual([code, retryable])
    }
  })

  it('streams the File itself as one PATCH from 0 and reports the offset held', async () => {
    const { protocol, transport } = await learned()
    const body = new File([new Uint8Array(plan.size)], 'f.bin')
    const streaming = protocol.uploadStream!({
      ...ctx(transport),
      remote: { url },
      plan,
      body,
      onProgress: () => {},
    })
    const patch = await transport.next()
    expect(patch.body).toBe(body)
    expect(patch.headers).toMatchObject({ 'upload-offset': '0' })
    patch.respond({ status: 204, headers: { 'upload-offset': String(plan.size) } })
    expect(await streaming).toEqual({ parts: [], offset: plan.size })
  })

  it('completes a plain upload without a request, at its URL', async () => {
    const { protocol, transport } = await learned()
    const result = await protocol.complete({ ...ctx(transport), remote: { url }, plan, parts: [] })
    expect(result).toEqual({ size: plan.size, location: url })
    expect(transport.open).toHaveLength(0)
  })

  it('terminates with DELETE; an unknown upload is not an error; no termination, no request', async () => {
    const { protocol, transport } = await learned()
    for (const status of [204, 404, 410]) {
      const aborting = protocol.abort({ ...ctx(transport), remote: { url }, plan })
      const del = await transport.next()
      expect([del.method, del.url]).toEqual(['DELETE', url])
      del.respond({ status })
      await expect(aborting).resolves.toBeUndefined()
    }
    const refused = protocol.abort({ ...ctx(transport), remote: { url }, plan })
    ;(await transport.next()).respond({ status: 403 })
    await expect(refused).rejects.toMatchObject({ code: 'rejected' })

    const plain = await learned({ ...TUS, 'tus-extension': 'creation' })
    const before = plain.transport.requests.length
    await plain.protocol.abort({ ...ctx(plain.transport), remote: { url }, plan })
    expect(plain.transport.requests).toHaveLength(before)
  })

  it('sends Upload-Checksum md5 with whole parts when the server lists checksum with md5', async () => {
    const plain = await learned({ ...BASIC, 'tus-checksum-algorithm': 'md5' })
    expect(plain.protocol.capabilities.partChecksum).toBeUndefined()
    const { protocol, transport } = await learned({
      ...TUS,
      'tus-extension': 'creation,checksum',
      'tus-checksum-algorithm': 'sha1,md5',
    })
    expect(protocol.capabilities).toMatchObject({ partChecksum: 'md5', parallel: false })
    const md5 = '9e107d9d372bb6826bd81d3542a419d6'
    const whole = protocol.uploadPart(part(transport, 0, 0, { partMd5: md5 }))
    const patch = await transport.next()
    expect(patch.headers?.['upload-checksum']).toBe(
      `md5 ${Buffer.from(md5, 'hex').toString('base64')}`,
    )
    patch.respond({ status: 204, headers: { 'upload-offset': String(256 * KiB) } })
    await whole
    // The rest of a part the server partly holds: the part's MD5 does not describe it.
    const rest = protocol.uploadPart(part(transport, 1, 300 * KiB, { partMd5: md5 }))
    const restPatch = await transport.next()
    expect(restPatch.headers?.['upload-checksum']).toBeUndefined()
    restPatch.respond({ status: 204, headers: { 'upload-offset': String(512 * KiB) } })
    await rest
  })
})

describe('tus client: small files through creation-with-upload', () => {
  const small = (transport: ScriptedTransport) => ({
    ...ctx(transport),
    file: { ...file, size: 10 },
    body: new Blob([new Uint8Array(10)]),
    metadata: {},
    onProgress: () => {},
  })
  const WITH_UPLOAD = { ...TUS, 'tus-extension': 'creation,creation-with-upload,termination' }

  it('sends the file as the body of its creation POST', async () => {
    const transport = new ScriptedTransport()
    const protocol = createTusProtocol({ endpoint })
    const sent = protocol.uploadSmall!(small(transport))
    await answerOptions(transport, WITH_UPLOAD)
    const post = await transport.next()
    expect(post.method).toBe('POST')
    expect(post.headers?.['upload-length']).toBe('10')
    expect(post.headers?.['content-type']).toBe('application/offset+octet-stream')
    expect((post.body as Blob).size).toBe(10)
    expect(decodeMetadata(post.headers!['upload-metadata']!)).toEqual({
      filename: 'résumé.pdf',
      filetype: 'application/pdf',
    })
    post.respond({ status: 201, headers: { location: url, 'upload-offset': '10' } })
    expect(await sent).toEqual({ size: 10, location: url })
  })

  it('terminates what a cut body left and fails retryably, so the file is sent again', async () => {
    const transport = new ScriptedTransport()
    const protocol = createTusProtocol({ endpoint })
    const sent = protocol.uploadSmall!(small(transport))
    await answerOptions(transport, WITH_UPLOAD)
    ;(await transport.next()).respond({
      status: 201,
      headers: { location: url, 'upload-offset': '4' },
    })
    const del = await transport.next()
    expect([del.method, del.url]).toEqual(['DELETE', url])
    del.respond({ status: 204 })
    await expect(sent).rejects.toMatchObject({ code: 'server', retryable: true })
  })

  it('answers undefined without the extension: the engine creates and PATCHes', async () => {
    const transport = new ScriptedTransport()
    const protocol = createTusProtocol({ endpoint })
    const sent = protocol.uploadSmall!(small(transport))
    await answerOptions(transport, BASIC)
    expect(await sent).toBeUndefined()
  })
})
