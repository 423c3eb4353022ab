/**
 * Bad answers from servers (HTML, truncated JSON, redirects, 401/403/413/415/429/507, odd
 * part lists, a tus server without creation), each a typed UploadError with a readable
 * message, and what was acknowledged kept. See docs/errors.md.
 */
import { describe, expect, it } from 'vitest'
import { httpError, UploadError } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { createHttpProtocol } from '../../src/protocols/http'
import { createS3Protocol } from '../../src/protocols/s3'
import { createTusProtocol } from '../../src/protocols/tus'
import { formatError } from '../../src/locales'
import { FakeClock } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'
import { errorOf, expectLocalized, fileOf, setup, statusOf, until } from '../fakes/bad-input-engine'

const plan = { size: 600 * 1024, partSize: 256 * 1024, count: 3 }
const file = new File([new Uint8Array(600 * 1024)], 'a.bin', { lastModified: 1 })
const ctx = (transport: ScriptedTransport) => ({
  transport,
  signal: new AbortController().signal,
  clock: new FakeClock(),
})

describe('bad input: what the server answers', () => {
  const http = createHttpProtocol({ endpoint: 'http://127.0.0.1:1/http' })
  const create = (transport: ScriptedTransport) =>
    http.create({ ...ctx(transport), file, fingerprint: 'f', plan, metadata: {} })

  it('treats a truncated JSON body as a protocol error, not a crash', async () => {
    const transport = new ScriptedTransport()
    const created = create(transport)
    ;(await transport.next()).respond({
      status: 201,
      body: '{"id":"AAAAAAAAAAAAAAAAAAAAAAAA","chunkS',
    })
    const error = (await created.catch((e: unknown) => e)) as UploadError
    expect([error.code, error.retryable]).toEqual(['protocol', false])
    expectLocalized(error)
  })

  it('treats an unfollowed redirect (3xx) as a protocol error, and a followed one to a login page too', async () => {
    const transport = new ScriptedTransport()
    const created = create(transport)
    ;(await transport.next()).respond({
      status: 302,
      headers: { location: 'https://sso.example.com/login' },
      body: '',
    })
    expect(await created.catch((e: unknown) => e)).toMatchObject({
      code: 'protocol',
      retryable: false,
      status: 302,
    })
    const followed = create(transport)
    ;(await transport.next()).respond({ status: 200, body: '<!doctype html><form>Sign in</form>' })
    expect(await followed.catch((e: unknown) => e)).toMatchObject({
      code: 'protocol',
      retryable: false,
    })
  })

  it('maps 401 and 403 from the S3 signer to rejected, without retrying', async () => {
    const s3 = createS3Protocol({ endpoint: 'http://127.0.0.1:1/s3' })
    for (const status of [401, 403]) {
      const transport = new ScriptedTransport()
      const created = s3.create({ ...ctx(transport), file, fingerprint: 'f', plan, metadata: {} })
      ;(await transport.next()).respond({
        status,
        json: { error: { code: 'unauthorized', message: 'log in again' } },
      })
      const error = (await created.catch((e: unknown) => e)) as UploadError
      expect([error.code, error.retryable, error.status]).toEqual(['rejected', false, status])
      expectLocalized(error)
    }
  })

  it('maps 413 to file-too-large and 415 to file-type-rejected from the server, with a readable message', async () => {
    const answers: [number, string, Record<string, unknown>][] = [
      [413, 'file-too-large', { limit: 1024 * 1024 }],
      [413, 'file-too-large', {}], // a server that does not say its limit
      [415, 'file-type-rejected', {}],
    ]
    const texts: string[] = []
    for (const [status, code, extra] of answers) {
      const transport = new ScriptedTransport()
      const created = create(transport)
      ;(await transport.next()).respond({
        status,
        json: { error: { code, message: 'no', ...extra } },
      })
      const error = (await created.catch((e: unknown) => e)) as UploadError
      expect([error.code, error.retryable]).toEqual([code, false])
      error.params.name = 'a.bin' // the engine adds the file's name when the upload fails
      expectLocalized(error)
      texts.push(formatError(error, 'en'), formatError(error, 'zh-CN'))
    }
    expect(texts).toEqual([
      'a.bin is too large (the limit is 1.0 MB).',
      'a.bin 太大了（上限为 1.0 MB）。',
      'a.bin is too large.',
      'a.bin 太大了。',
      'a.bin is not an accepted file type.',
      '不支持 a.bin 的文件类型。',
    ])
  })

  it('names the file in the message of an error raised deep in a protocol', async () => {
    const protocol = new FakeProtocol({
      onPart: (call) =>
        queueMicrotask(() => call.fail(new UploadError('rejected', 'HTTP 403', { status: 403 }))),
    })
    const uploader = setup({ protocol })
    uploader.add(fileOf(100, 'report.pdf'))
    await until(() => statusOf(uploader)?.state === 'error')
    expect(formatError(errorOf(uploader)!, 'en')).toBe('The server refused the upload.')
    expect(errorOf(uploader)!.params.name).toBe('report.pdf')
  })

  it('retries 507 Insufficient Storage and 429 too-many-uploads as server errors, honouring Retry-After', () => {
    const insufficient = httpError({ status: 507, headers: {}, body: '' }, 0, 'Part 1')
    expect([insufficient.code, insufficient.retryable]).toEqual(['server', true])
    const capped = httpError(
      {
        status: 429,
        headers: { 'retry-after': '30' },
        body: JSON.stringify({ error: { code: 'too-many-uploads', message: 'finish one' } }),
      },
      0,
      'Create',
    )
    expect([capped.code, capped.retryable, capped.retryAfterMs]).toEqual(['server', true, 30_000])
    expectLocalized(capped)
  })

  it('keeps parts S3 acknowledged after a part failed for good with 507 retries exhausted', async () => {
    const clock = new FakeClock()
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const uploader = setup({
      protocol,
      store,
      clock,
      hasher: new FakeHasher(),
      retry: { maxAttempts: 2 },
    })
    uploader.add(fileOf(300))
    ;(await protocol.nextPart()).succeed()
    const full = new UploadError('server', 'HTTP 507', { status: 507, retryable: true })
    ;(await protocol.nextPart()).fail(full)
    const second = protocol.nextPart()
    await until(() => protocol.calls.filter((c) => c === 'part:1').length === 2, clock)
    ;(await second).fail(full)
    await until(() => statusOf(uploader)?.state === 'error', clock)
    expect(errorOf(uploader)?.status).toBe(507)
    expect([...protocol.uploads.values()][0].held.size).toBe(1)
    await uploader.flush()
    expect(store.size).toBe(1)
  })

  it('does not trust an S3 part list with duplicate numbers or ETags that are not part MD5s', async () => {
    const s3 = createS3Protocol({ endpoint: 'http://127.0.0.1:1/s3' })
    const transport = new ScriptedTransport()
    const s3plan = { size: 12 * 1024 * 1024, partSize: 5 * 1024 * 1024, count: 3 }
    const status = s3.status({ ...ctx(transport), remote: { id: 'x.y' }, plan: s3plan })
    const md5 = (c: string) => `"${c.repeat(32)}"`
    ;(await transport.next()).respond({
      json: {
        parts: [
          { partNumber: 1, etag: md5('a'), size: 5 * 1024 * 1024 },
          { partNumber: 2, etag: md5('b'), size: 5 * 1024 * 1024 },
          { partNumber: 2, etag: md5('c'), size: 5 * 1024 * 1024 }, // listed twice: which one?
          { partNumber: 3, etag: '"not-an-md5"', size: 2 * 1024 * 1024 },
          { partNumber: 1.5, etag: md5('d'), size: 5 * 1024 * 1024 },
        ],
      },
    })
    const { parts } = await status
    expect(parts).toEqual([{ index: 0, size: 5 * 1024 * 1024, etag: 'a'.repeat(32) }])
  })

  it('refuses a tus server without the creation extension with unsupported', async () => {
    const tus = createTusProtocol({ endpoint: 'http://127.0.0.1:1/tus' })
    const transport = new ScriptedTransport()
    const created = tus.create({ ...ctx(transport), file, fingerprint: 'f', plan, metadata: {} })
    ;(await transport.next()).respond({
      status: 204,
      headers: { 'tus-resumable': '1.0.0', 'tus-version': '1.0.0', 'tus-extension': 'termination' },
    })
    const error = (await created.catch((e: unknown) => e)) as UploadError
    expect([error.code, error.retryable]).toEqual(['unsupported', false])
    expect(transport.requests.map((r) => r.method)).toEqual(['OPTIONS'])
    expectLocalized(error)
  })
})
