import { describe, expect, it } from 'vitest'
import { createUploader, UploadError, type UploaderSnapshot } from '../../src/core'
import { createHttpProtocol } from '../../src/protocols/http'
import { FakeClock, settle } from '../fakes/fake-clock'
import { ScriptedTransport } from '../fakes/scripted-transport'

const base = 'http://127.0.0.1:1/http'
const id = 'AAAAAAAAAAAAAAAAAAAAAA'
const plan = { size: 600 * 1024, partSize: 256 * 1024, count: 3 }

function ctx(transport: ScriptedTransport) {
  return { transport, signal: new AbortController().signal, clock: new FakeClock() }
}

describe('HTTP chunk protocol client', () => {
  const protocol = createHttpProtocol({
    endpoint: `${base}/`,
    headers: () => ({ authorization: 'Bearer t' }),
  })

  it('creates an upload with the plan, the fingerprint and auth headers', async () => {
    const transport = new ScriptedTransport()
    const created = protocol.create({
      ...ctx(transport),
      file: { name: 'a.bin', size: plan.size, type: 'x/y', lastModified: 1 },
      fingerprint: 'fp',
      plan,
      metadata: {},
    })
    const request = await transport.next()
    expect(request.method).toBe('POST')
    expect(request.url).toBe(`${base}/uploads`)
    expect(request.headers).toMatchObject({
      authorization: 'Bearer t',
      'content-type': 'application/json',
    })
    expect(JSON.parse(request.body as string)).toMatchObject({
      size: plan.size,
      chunkSize: 256 * 1024,
      fingerprint: 'fp',
    })
    request.respond({ status: 201, json: { id, duplicateCandidate: true } })
    expect(await created).toEqual({ kind: 'created', remote: { id }, duplicateCandidate: true })
  })

  it('treats a 200 instant answer as complete without bytes', async () => {
    const transport = new ScriptedTransport()
    const created = protocol.create({
      ...ctx(transport),
      file: { name: 'a.bin', size: 10, type: '', lastModified: 1 },
      fingerprint: 'fp',
      hash: 'd41d8cd98f00b204e9800998ecf8427e',
      plan: { size: 10, partSize: 256 * 1024, count: 1 },
      metadata: {},
    })
    ;(await transport.next()).respond({
      status: 200,
      json: { id, size: 10, hash: 'D41D8CD98F00B204E9800998ECF8427E', instant: true },
    })
    expect(await created).toMatchObject({
      kind: 'complete',
      result: { size: 10, instant: true, hash: 'd41d8cd98f00b204e9800998ecf8427e' },
    })
  })

  it('reads every held chunk from status ranges', async () => {
    const transport = new ScriptedTransport()
    const status = protocol.status({ ...ctx(transport), remote: { id }, plan })
    const request = await transport.next()
    expect(request.url).toBe(`${base}/uploads/${id}`)
    request.respond({
      status: 200,
      json: {
        received: [
          [0, 1],
          [2, 3],
        ],
      },
    })
    expect(await status).toEqual({
      parts: [
        { index: 0, size: 256 * 1024 },
        { index: 2, size: 600 * 1024 - 512 * 1024 },
      ],
      partial: [],
    })
  })

  it('reads the chunks the server holds the start of, dropping entries outside their chunk', async () => {
    const transport = new ScriptedTransport()
    const status = protocol.status({ ...ctx(transport), remote: { id }, plan })
    ;(await transport.next()).respond({
      status: 200,
      json: {
        received: [[0, 1]],
        partial: [
          { index: 1, offset: 1000 },
          { index: 2, offset: 600 * 1024 - 512 * 1024 }, // the whole last chunk: not a prefix
          { index: 7, offset: 10 }, // past the plan
        ],
      },
    })
    expect((await status).partial).toEqual([{ index: 1, bytes: 1000 }])
    const broken = protocol.status({ ...ctx(transport), remote: { id }, plan })
    ;(await transport.next()).respond({
      status: 200,
      json: { received: [], partial: [{ index: 1, offset: 'x' }] },
    })
    await expect(broken).rejects.toMatchObject({ code: 'protocol' })
  })

  it('turns an HTML error page into a typed protocol error', async () => {
    const transport = new ScriptedTransport()
    const status = protocol.status({ ...ctx(transport), remote: { id }, plan })
    ;(await transport.next()).respond({ status: 200, body: '<html>Gateway</html>' })
    await expect(status).rejects.toMatchObject({ code: 'protocol', retryable: false })
  })

  it('rejects malformed ranges instead of trusting them', async () => {
    const transport = new ScriptedTransport()
    const status = protocol.status({ ...ctx(transport), remote: { id }, plan })
    ;(await transport.next()).respond({ status: 200, json: { received: [[0, 'x']] } })
    await expect(status).rejects.toMatchObject({ code: 'protocol' })
  })

  it('maps statuses: 503 + Retry-After retryable, 404 not-found, 410 expired, 422 hash-mismatch', async () => {
    const cases: [number, Record<string, string>, unknown, string, boolean][] = [
      [503, { 'retry-after': '7' }, { error: { code: 'busy', message: 'later' } }, 'server', true],
      [404, {}, { error: { code: 'not-found', message: 'gone' } }, 'not-found', false],
      [410, {}, { error: { code: 'expired', message: 'old' } }, 'expired', false],
      [422, {}, { error: { code: 'hash-mismatch', message: 'md5' } }, 'hash-mismatch', false],
      [400, {}, { error: { code: 'bad-digest', message: 'md5' } }, 'server', true],
    ]
    for (const [status, headers, json, code, retryable] of cases) {
      const transport = new ScriptedTransport()
      const completing = protocol.complete({ ...ctx(transport), remote: { id }, plan, parts: [] })
      ;(await transport.next()).respond({ status, headers, json })
      const error = (await completing.catch((e: unknown) => e)) as UploadError
      expect([error.code, error.retryable], `HTTP ${status}`).toEqual([code, retryable])
      if (status === 503) expect(error.retryAfterMs).toBe(7000)
    }
  })

  it('treats abort of an unknown upload as done', async () => {
    const transport = new ScriptedTransport()
    const aborting = protocol.abort({ ...ctx(transport), remote: { id }, plan })
    const request = await transport.next()
    expect(request.method).toBe('DELETE')
    request.respond({ status: 404, json: { error: { code: 'not-found', message: '' } } })
    await expect(aborting).resolves.toBeUndefined()
  })

  it('streams the File itself from byte 0, then sends only the chunks a cut stream lost', async () => {
    const transport = new ScriptedTransport()
    const clock = new FakeClock()
    const uploader = createUploader({
      protocol,
      transport,
      clock,
      chunkSize: 256 * 1024,
      hashing: false,
      retry: { jitter: 0, baseDelayMs: 10 },
    })
    const snapshots: UploaderSnapshot[] = []
    uploader.subscribe((s) => snapshots.push(s))
    const file = new File([new Uint8Array(plan.size)], 'f.bin')
    uploader.add(file)
    ;(await transport.next()).respond({ status: 201, json: { id } })
    const stream = await transport.next()
    expect(stream.url).toBe(`${base}/uploads/${id}/stream`)
    expect(stream.body).toBe(file) // not a slice: Chromium sends a File twice as fast
    expect(stream.headers).toMatchObject({ 'upload-offset': '0' })
    stream.progress(300 * 1024)
    stream.fail(new UploadError('network', 'connection reset'))
    const status = await transport.next()
    expect(status.method).toBe('GET')
    status.respond({ status: 200, json: { received: [[0, 1]] } })
    const chunks = [await transport.next(), await transport.next()]
    expect(chunks.map((r) => r.url).sort()).toEqual([
      `${base}/uploads/${id}/chunks/1`,
      `${base}/uploads/${id}/chunks/2`,
    ])
    expect((chunks[0].body as Blob).size + (chunks[1].body as Blob).size).toBe(
      plan.size - 256 * 1024,
    )
    for (const chunk of chunks) chunk.respond({ status: 204 })
    const complete = await transport.next()
    expect(complete.url).toBe(`${base}/uploads/${id}/complete`)
    complete.respond({ status: 200, json: { id, size: plan.size } })
    await settle()
    await clock.advance(100)
    const final = uploader.getSnapshot().uploads[0]
    expect(final.status.state).toBe('done')
    expect(final.bytesResent).toBe(300 * 1024 - 256 * 1024)
    expect(snapshots.some((s) => s.uploads[0].retries === 1)).toBe(true)
  })

  it('after a cut stream sends only what the server lacks: the rest of the cut chunk and the chunks after it', async () => {
    const transport = new ScriptedTransport()
    const clock = new FakeClock()
    const uploader = createUploader({
      protocol,
      transport,
      clock,
      chunkSize: 256 * 1024,
      hashing: false,
      retry: { jitter: 0, baseDelayMs: 10 },
    })
    uploader.add(new File([new Uint8Array(plan.size)], 'f.bin'))
    ;(await transport.next()).respond({ status: 201, json: { id } })
    const stream = await transport.next()
    stream.progress(300 * 1024)
    stream.fail(new UploadError('network', 'connection reset'))
    ;(await transport.next()).respond({
      status: 200,
      json: { received: [[0, 1]], partial: [{ index: 1, offset: 300 * 1024 - 256 * 1024 }] },
    })
    const chunks = [await transport.next(), await transport.next()].sort((a, b) =>
      a.url.localeCompare(b.url),
    )
    expect(chunks.map((r) => r.url)).toEqual([
      `${base}/uploads/${id}/chunks/1`,
      `${base}/uploads/${id}/chunks/2`,
    ])
    expect(chunks[0].headers).toMatchObject({ 'upload-offset': String(44 * 1024) })
    expect((chunks[0].body as Blob).size).toBe(256 * 1024 - 44 * 1024)
    expect(chunks[1].headers).not.toHaveProperty('upload-offset')
    for (const chunk of chunks) chunk.respond({ status: 204 })
    ;(await transport.next()).respond({ status: 200, json: { id, size: plan.size } })
    await settle()
    await clock.advance(100)
    const final = uploader.getSnapshot().uploads[0]
    expect(final.status.state).toBe('done')
    expect(final.bytesResent).toBe(0) // every byte of the cut stream was kept
  })

  it('sends the rest of a chunk whose start the server kept, with Upload-Offset', async () => {
    const transport = new ScriptedTransport()
    const sent = protocol.uploadPart({
      ...ctx(transport),
      remote: { id },
      plan,
      part: { index: 1, start: 256 * 1024, end: 512 * 1024 },
      start: 256 * 1024 + 1000,
      body: new Blob([new Uint8Array(256 * 1024 - 1000)]),
      onProgress: () => {},
    })
    const request = await transport.next()
    expect(request.url).toBe(`${base}/uploads/${id}/chunks/1`)
    expect(request.headers).toMatchObject({ 'upload-offset': '1000' })
    request.respond({ status: 204 })
    expect(await sent).toEqual({ index: 1, size: 256 * 1024 })
  })

  it('sends no Upload-Offset for a whole chunk, and retries an offset the server does not hold', async () => {
    const transport = new ScriptedTransport()
    const part = (start: number) =>
      protocol.uploadPart({
        ...ctx(transport),
        remote: { id },
        plan,
        part: { index: 0, start: 0, end: 256 * 1024 },
        start,
        body: new Blob([new Uint8Array(256 * 1024 - start)]),
        onProgress: () => {},
      })
    const whole = part(0)
    const first = await transport.next()
    expect(first.headers).not.toHaveProperty('upload-offset')
    first.respond({ status: 204 })
    await whole
    const stale = part(5)
    ;(await transport.next()).respond({
      status: 409,
      json: { error: { code: 'offset-mismatch', message: 'no', offset: 0 } },
    })
    // Retryable: the engine's next attempt sends the whole chunk.
    await expect(stale).rejects.toMatchObject({ code: 'protocol', retryable: true, status: 409 })
  })

  it('sends a chunk whole when the server refuses the offset its status gave (409 offset-mismatch)', async () => {
    const transport = new ScriptedTransport()
    const clock = new FakeClock()
    const uploader = createUploader({
      protocol,
      transport,
      clock,
      chunkSize: 256 * 1024,
      hashing: false,
      concurrency: 1,
      retry: { jitter: 0, baseDelayMs: 10 },
    })
    uploader.add(new File([new Uint8Array(plan.size)], 'f.bin'))
    ;(await transport.next()).respond({ status: 201, json: { id } })
    const stream = await transport.next()
    stream.progress(300 * 1024)
    stream.fail(new UploadError('network', 'connection reset'))
    ;(await transport.next()).respond({
      status: 200,
      json: { received: [[0, 1]], partial: [{ index: 1, offset: 44 * 1024 }] },
    })
    const resumed = await transport.next()
    expect(resumed.headers).toMatchObject({ 'upload-offset': String(44 * 1024) })
    resumed.respond({
      status: 409,
      json: { error: { code: 'offset-mismatch', message: 'restarted', offset: 0 } },
    })
    await settle()
    await clock.advance(100)
    const whole = await transport.next()
    expect(whole.url).toBe(`${base}/uploads/${id}/chunks/1`)
    expect(whole.headers).not.toHaveProperty('upload-offset')
    expect((whole.body as Blob).size).toBe(256 * 1024)
    whole.respond({ status: 204 })
    const last = await transport.next()
    expect(last.url).toBe(`${base}/uploads/${id}/chunks/2`)
    last.respond({ status: 204 })
    ;(await transport.next()).respond({ status: 200, json: { id, size: plan.size } })
    await settle()
    await clock.advance(100)
    const final = uploader.getSnapshot().uploads[0]
    expect(final.status.state).toBe('done')
    expect(final.bytesResent).toBe(44 * 1024) // the prefix the server no longer held
  })
})
