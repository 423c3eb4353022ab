/**
 * Bad input from the app, the user's disk and the server, each answered with a typed
 * UploadError and without losing what was already uploaded or saved. docs/errors.md lists
 * every case and the test that covers it (here or elsewhere).
 */
import { describe, expect, it } from 'vitest'
import {
  createUploader,
  httpError,
  UploadError,
  type UploaderOptions,
  type UploaderSnapshot,
} from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { createHttpProtocol } from '../../src/protocols/http'
import { createS3Protocol } from '../../src/protocols/s3'
import { createTusProtocol } from '../../src/protocols/tus'
import { en, formatError, zhCN } from '../../src/locales'
import { FakeClock, settle } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'

const LAST_MODIFIED = 1_700_000_000_000

function fileOf(size: number, name = 'data.bin', type = 'application/octet-stream'): File {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + size) % 251
  return new File([bytes], name, { type, lastModified: LAST_MODIFIED })
}

/**
 * A picked file whose disk file is later modified or deleted: from then on every read fails
 * the way Chromium fails it (`NotReadableError` / `NotFoundError`), slices included.
 */
class DiskFile extends File {
  broken: 'NotReadableError' | 'NotFoundError' | null = null
  override slice(start?: number, end?: number, type?: string): Blob {
    const piece = super.slice(start, end, type)
    const broken = () => this.broken
    return new (class extends Blob {
      override arrayBuffer(): Promise<ArrayBuffer> {
        const name = broken()
        return name
          ? Promise.reject(new DOMException('The file changed', name))
          : piece.arrayBuffer()
      }
    })([piece])
  }
}

function setup(overrides: Partial<UploaderOptions> & { protocol: FakeProtocol }) {
  const uploader = createUploader({
    transport: new ScriptedTransport(),
    clock: new FakeClock(),
    chunkSize: 100,
    concurrency: 1,
    progressIntervalMs: 10,
    ...overrides,
  })
  return uploader
}

async function until(condition: () => boolean, clock?: FakeClock): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    if (clock) await clock.advance(10)
    else await settle()
  }
  expect(condition()).toBe(true)
}

const statusOf = (uploader: { getSnapshot(): UploaderSnapshot }, i = 0) =>
  uploader.getSnapshot().uploads[i]?.status

const errorOf = (uploader: { getSnapshot(): UploaderSnapshot }, i = 0) => {
  const status = statusOf(uploader, i)
  return status?.state === 'error' ? status.error : undefined
}

/** Both locales have a real sentence for the error: no code, no placeholder left. */
function expectLocalized(error: UploadError) {
  for (const locale of ['en', 'zh-CN'] as const) {
    const text = formatError(error, locale)
    expect(text.length).toBeGreaterThan(5)
    expect(text).not.toMatch(/\{\w+\}/)
    expect(text).not.toBe(error.code)
  }
  expect(en.errors[error.code]).not.toBe(zhCN.errors[error.code])
}

describe('bad input: restrictions, checked before a byte is sent', () => {
  const restricted = (restrictions: UploaderOptions['restrictions']) => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    return { protocol, uploader: setup({ protocol, autoStart: false, restrictions }) }
  }

  it('rejects a file over maxFileSize with file-too-large', () => {
    const { uploader, protocol } = restricted({ maxFileSize: 500 })
    const { rejected, added } = uploader.add([fileOf(501, 'big.bin'), fileOf(500, 'ok.bin')])
    expect(rejected.map((r) => [r.file.name, r.error.code, r.error.retryable])).toEqual([
      ['big.bin', 'file-too-large', false],
    ])
    expect(added).toHaveLength(1)
    expect(formatError(rejected[0].error, 'en')).toContain('big.bin')
    expectLocalized(rejected[0].error)
    expect(protocol.calls).toEqual([])
  })

  it('rejects a wrong type by extension with file-type-rejected', () => {
    const { uploader } = restricted({ accept: '.mp4, .mov' })
    const { rejected, added } = uploader.add([
      fileOf(10, 'notes.txt', 'video/mp4'), // the MIME type claims video: the name decides
      fileOf(10, 'CLIP.MOV', ''),
    ])
    expect(rejected.map((r) => [r.file.name, r.error.code])).toEqual([
      ['notes.txt', 'file-type-rejected'],
    ])
    expect(added.map((u) => u.file.name)).toEqual(['CLIP.MOV'])
    expectLocalized(rejected[0].error)
  })

  it('rejects a wrong type by MIME with file-type-rejected', () => {
    const { uploader } = restricted({ accept: ['image/*', 'application/pdf'] })
    const { rejected, added } = uploader.add([
      fileOf(10, 'photo.jpg', 'application/x-msdownload'),
      fileOf(10, 'scan', 'application/pdf'),
      fileOf(10, 'cat.webp', 'image/webp'),
    ])
    expect(rejected.map((r) => [r.file.name, r.error.code])).toEqual([
      ['photo.jpg', 'file-type-rejected'],
    ])
    expect(added.map((u) => u.file.name)).toEqual(['scan', 'cat.webp'])
  })

  it('rejects files past maxFiles with too-many-files, keeping the ones already added', () => {
    const { uploader } = restricted({ maxFiles: 2 })
    uploader.add(fileOf(10, 'a.bin'))
    const { rejected, added } = uploader.add([fileOf(10, 'b.bin'), fileOf(10, 'c.bin')])
    expect(added.map((u) => u.file.name)).toEqual(['b.bin'])
    expect(rejected.map((r) => [r.file.name, r.error.code])).toEqual([['c.bin', 'too-many-files']])
    expect(uploader.getSnapshot().uploads.map((u) => u.file.name)).toEqual(['a.bin', 'b.bin'])
    expectLocalized(rejected[0].error)
  })

  it('accepts a zero-byte file by default, and rejects it only when minFileSize says so', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const uploader = setup({ protocol })
    uploader.add(new File([], 'empty.txt', { lastModified: 1 }))
    await until(() => statusOf(uploader)?.state === 'done')
    const strict = restricted({ minFileSize: 1 })
    const { rejected } = strict.uploader.add(new File([], 'empty.txt'))
    expect(rejected.map((r) => r.error.code)).toEqual(['file-too-small'])
    expectLocalized(rejected[0].error)
  })

  it('fails a file that needs more parts than the protocol allows with too-many-parts, before creating anything', async () => {
    const protocol = new FakeProtocol({
      onPart: autoSucceed,
      capabilities: { maxParts: 10, maxPartSize: 100, minPartSize: 1 },
    })
    const uploader = setup({ protocol })
    uploader.add(fileOf(1001))
    await until(() => statusOf(uploader)?.state === 'error')
    expect(errorOf(uploader)).toMatchObject({ code: 'too-many-parts', retryable: false })
    expect(protocol.calls).not.toContain('create')
    expectLocalized(errorOf(uploader)!)
  })
})

describe('bad input: what the app hands the uploader', () => {
  it('rejects items that are not files with invalid-file, and still adds the real ones', () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const uploader = setup({ protocol, autoStart: false })
    const events: string[] = []
    uploader.on('file-rejected', ({ error }) => events.push(error.code))
    const { added, rejected } = uploader.add([
      'C:\\fakepath\\a.txt',
      null,
      42,
      { name: 'fake.bin', size: 10 },
      fileOf(10, 'real.bin'),
    ] as unknown as Blob[])
    expect(added.map((u) => u.file.name)).toEqual(['real.bin'])
    expect(rejected.map((r) => r.error.code)).toEqual(Array(4).fill('invalid-file'))
    expect(rejected[3].file.name).toBe('fake.bin')
    expect(events).toEqual(Array(4).fill('invalid-file'))
    // Not even iterable: one rejected item, no TypeError.
    expect(uploader.add(undefined as unknown as Blob).rejected[0].error.code).toBe('invalid-file')
    expect(uploader.add(7 as unknown as Blob).rejected[0].error.code).toBe('invalid-file')
    expectLocalized(rejected[0].error)
  })

  it('rejects the same file added again while it uploads with duplicate-file; the running one goes on', async () => {
    const protocol = new FakeProtocol()
    const uploader = setup({ protocol })
    const file = fileOf(300, 'movie.mp4')
    uploader.add(file)
    const first = await protocol.nextPart()
    const again = uploader.add(file)
    const copy = uploader.add(fileOf(300, 'movie.mp4')) // the same file picked again
    expect(again.rejected.map((r) => r.error.code)).toEqual(['duplicate-file'])
    expect(copy.rejected.map((r) => r.error.code)).toEqual(['duplicate-file'])
    expect(formatError(again.rejected[0].error, 'en')).toContain('movie.mp4')
    expectLocalized(again.rejected[0].error)
    first.succeed()
    for (let i = 0; i < 2; i++) (await protocol.nextPart()).succeed()
    await until(() => statusOf(uploader)?.state === 'done')
    expect(uploader.getSnapshot().uploads).toHaveLength(1)
    // Once done, adding it again is a new upload.
    expect(uploader.add(file).added).toHaveLength(1)
  })

  it('refuses unusable option values with invalid-option at creation', () => {
    const protocol = new FakeProtocol()
    const transport = new ScriptedTransport()
    const cases: [Partial<UploaderOptions>, string][] = [
      [{ chunkSize: 0 }, 'chunkSize'],
      [{ chunkSize: Number.NaN }, 'chunkSize'],
      [{ chunkSize: -5 }, 'chunkSize'],
      [{ chunkSize: 1.5 }, 'chunkSize'],
      [{ concurrency: 0 }, 'concurrency'],
      [{ concurrency: Number.NaN }, 'concurrency'],
      [{ stallTimeoutMs: 0 }, 'stallTimeoutMs'],
      [{ requestTimeoutMs: -1 }, 'requestTimeoutMs'],
      [{ restrictions: { maxFileSize: Number.NaN } }, 'restrictions.maxFileSize'],
      [{ restrictions: { maxFiles: -1 } }, 'restrictions.maxFiles'],
      [{ chunkSize: '8MB' as unknown as number }, 'chunkSize'],
    ]
    for (const [options, option] of cases) {
      let thrown: unknown
      try {
        createUploader({ protocol, transport, ...options })
      } catch (error) {
        thrown = error
      }
      expect(thrown, option).toBeInstanceOf(UploadError)
      expect(thrown).toMatchObject({ code: 'invalid-option', params: { option } })
    }
    expect(() => createUploader({ protocol, transport, chunkSize: 5 * 1024 * 1024 })).not.toThrow()
    expectLocalized(new UploadError('invalid-option', 'x', { params: { option: 'chunkSize' } }))
  })
})

describe('bad input: the file on disk changes', () => {
  for (const [what, broken, code] of [
    ['modified', 'NotReadableError', 'file-changed'],
    ['deleted', 'NotFoundError', 'file-unreadable'],
  ] as const) {
    it(`fails a file ${what} during the upload with ${code} instead of retrying, keeping its parts and record`, async () => {
      const protocol = new FakeProtocol()
      const store = createMemoryStore(() => 0)
      const uploader = setup({ protocol, store, hasher: new FakeHasher() })
      const file = new DiskFile([fileOf(1000)], 'video.mov', { lastModified: LAST_MODIFIED })
      uploader.add(file)
      for (let i = 0; i < 3; i++) (await protocol.nextPart()).succeed()
      file.broken = broken
      // The browser cannot read the body: the request fails like a network error.
      ;(await protocol.nextPart()).fail(new UploadError('network', 'Network Error'))
      await until(() => statusOf(uploader)?.state === 'error')
      const error = errorOf(uploader)!
      expect([error.code, error.retryable]).toEqual([code, false])
      expectLocalized(error)
      // No retry of a file that can never be read again.
      expect(protocol.calls.filter((c) => c.startsWith('part:'))).toHaveLength(4)
      // What the server acknowledged stays there, and the resume record stays saved.
      expect([...protocol.uploads.values()][0].held.size).toBe(3)
      expect(protocol.calls).not.toContain('abort')
      await uploader.flush()
      expect(store.size).toBe(1)
    })
  }

  it('still retries a real network failure of a readable file', async () => {
    const clock = new FakeClock()
    const protocol = new FakeProtocol()
    const uploader = setup({ protocol, clock })
    uploader.add(fileOf(200))
    ;(await protocol.nextPart()).fail(new UploadError('network', 'Network Error'))
    const retried = protocol.nextPart()
    await until(() => protocol.calls.filter((c) => c === 'part:0').length === 2, clock)
    ;(await retried).succeed()
    ;(await protocol.nextPart()).succeed()
    await until(() => statusOf(uploader)?.state === 'done', clock)
  })
})

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
    const store = createMemoryStore(() => 0)
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
