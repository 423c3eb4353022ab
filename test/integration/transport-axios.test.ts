import { createHash } from 'node:crypto'
import { openAsBlob } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import axios from 'axios'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { UploadError } from '../../src/core/errors'
import type { HttpRequest } from '../../src/core/types'
import { createAxiosTransport } from '../../src/transport'

interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  bytes: number
  md5: string
  text: string
}

/** What the server got, by the `x-test-id` request header. */
const received = new Map<string, Received>()
let server: Server
let base: string
let dir: string

/** Routes: /status/<n>, /echo (records the body), /hang (reads nothing, never answers), /redirect. */
function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname === '/hang') {
    req.pause()
    return
  }
  if (url.pathname === '/redirect') {
    res.writeHead(307, { Location: '/status/200' }).end()
    return
  }
  const hash = createHash('md5')
  let bytes = 0
  const head: Buffer[] = []
  req.on('data', (chunk: Buffer) => {
    hash.update(chunk)
    bytes += chunk.length
    if (bytes <= 4096) head.push(chunk)
  })
  req.on('end', () => {
    const id = String(req.headers['x-test-id'] ?? '')
    received.set(id, {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bytes,
      md5: hash.digest('hex'),
      text: Buffer.concat(head).toString('utf8'),
    })
    const status = url.pathname.startsWith('/status/') ? Number(url.pathname.slice(8)) : 200
    res.setHeader('X-Upload-Offset', String(bytes))
    res.setHeader('ETag', '"abc"')
    res.setHeader('Set-Cookie', ['a=1', 'b=2'])
    res.setHeader('Content-Type', 'application/json')
    res.writeHead(status)
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ bytes }))
  })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'transport-axios-'))
  server = createServer(route)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

const transport = createAxiosTransport()
let ids = 0
/** A request with a fresh test id; returns the id to look up what the server received. */
function request(init: Partial<HttpRequest> & Pick<HttpRequest, 'url'>) {
  const id = String(++ids)
  const req: HttpRequest = {
    method: 'PUT',
    signal: new AbortController().signal,
    ...init,
    url: base + init.url,
    headers: { 'X-Test-Id': id, ...init.headers },
  }
  return { id, response: transport.request(req) }
}

function patterned(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >>> 11)) & 0xff
  return bytes
}

describe('createAxiosTransport (Node http adapter)', () => {
  it('returns error statuses instead of throwing, with the body as text', async () => {
    for (const status of [200, 204, 404, 409, 500, 503]) {
      const { response } = request({ url: `/status/${status}`, method: 'POST', body: 'x' })
      const res = await response
      expect(res.status).toBe(status)
      expect(res.body).toBe(status === 204 ? '' : '{"bytes":1}')
    }
  })

  it('lower-cases response header names and joins repeated headers', async () => {
    const { response } = request({ url: '/status/201', method: 'POST', body: 'hello' })
    const { headers } = await response
    expect(headers['x-upload-offset']).toBe('5')
    expect(headers['etag']).toBe('"abc"')
    expect(headers['set-cookie']).toBe('a=1, b=2')
    expect(Object.keys(headers).every((name) => name === name.toLowerCase())).toBe(true)
  })

  it('answers HEAD with headers and an empty body', async () => {
    const res = await request({ url: '/status/200', method: 'HEAD' }).response
    expect(res).toMatchObject({ status: 200, body: '' })
    expect(res.headers['x-upload-offset']).toBe('0')
  })

  it('returns a redirect as a status instead of following it', async () => {
    const res = await request({ url: '/redirect', method: 'PUT', body: new Blob(['abc']) }).response
    expect(res.status).toBe(307)
    expect(res.headers['location']).toBe('/status/200')
  })

  it('streams a disk-backed Blob with progress up to its size, without loading it', async () => {
    const size = 48 * 1024 * 1024 + 123
    const data = patterned(size)
    const path = join(dir, 'big.bin')
    await writeFile(path, data)
    const expectedMd5 = createHash('md5').update(data).digest('hex')
    const file = await openAsBlob(path)

    const progress: number[] = []
    const stream = vi.spyOn(Blob.prototype, 'stream')
    const wholeReads = (['arrayBuffer', 'text', 'bytes'] as const).map((name) =>
      vi.spyOn(Blob.prototype, name),
    )
    const { id, response } = request({
      url: '/echo',
      body: file,
      onUploadProgress: (loaded) => progress.push(loaded),
    })
    const res = await response
    vi.restoreAllMocks()

    expect(res.status).toBe(200)
    const got = received.get(id)!
    expect(got.bytes).toBe(size)
    expect(got.md5).toBe(expectedMd5)
    expect(got.headers['content-length']).toBe(String(size))
    expect(got.headers['content-type']).toBe('application/octet-stream')
    expect(progress.at(-1)).toBe(size)
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1])
    // Read through a stream, never as one buffer.
    expect(stream).toHaveBeenCalled()
    for (const read of wholeReads) expect(read).not.toHaveBeenCalled()
    expect(progress.length).toBeGreaterThan(1)
  })

  it("sends the request's Content-Type for a Blob, not the Blob's type", async () => {
    const blob = new Blob([patterned(1000)], { type: 'video/mp4' })
    const { id, response } = request({
      url: '/echo',
      method: 'PATCH',
      body: blob,
      headers: { 'content-type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
    })
    await response
    expect(received.get(id)!.headers['content-type']).toBe('application/offset+octet-stream')
    expect(received.get(id)!.headers['upload-offset']).toBe('0')
    expect(received.get(id)!.bytes).toBe(1000)
  })

  it('sends string bodies as they are, with no Content-Type but the one given', async () => {
    const plain = request({ url: '/echo', method: 'POST', body: '{"a":1}' })
    await plain.response
    expect(received.get(plain.id)).toMatchObject({ text: '{"a":1}' })
    expect(received.get(plain.id)!.headers['content-type']).toBeUndefined()

    const empty = request({ url: '/echo', method: 'POST' })
    await empty.response
    expect(received.get(empty.id)!.headers['content-type']).toBeUndefined()

    const json = request({
      url: '/echo',
      method: 'POST',
      body: '{"a":1}',
      headers: { 'Content-Type': 'application/json' },
    })
    await json.response
    expect(received.get(json.id)!.headers['content-type']).toBe('application/json')
    expect(received.get(json.id)!.text).toBe('{"a":1}')
  })

  it('sends only the bytes of a Uint8Array view, as octet-stream', async () => {
    const whole = patterned(100)
    const view = whole.subarray(10, 30)
    const { id, response } = request({ url: '/echo', body: view })
    await response
    const got = received.get(id)!
    expect(got.bytes).toBe(20)
    expect(got.md5).toBe(createHash('md5').update(view).digest('hex'))
    expect(got.headers['content-type']).toBe('application/octet-stream')

    const buffer = request({ url: '/echo', body: whole.buffer })
    await buffer.response
    expect(received.get(buffer.id)!.bytes).toBe(100)
  })

  it('goes through the given axios instance', async () => {
    const instance = axios.create()
    instance.interceptors.request.use((config) => {
      config.headers.set('X-From-Interceptor', 'yes')
      return config
    })
    const custom = createAxiosTransport({ axios: instance })
    await custom.request({
      method: 'POST',
      url: `${base}/echo`,
      headers: { 'X-Test-Id': 'custom' },
      body: 'x',
      signal: new AbortController().signal,
    })
    expect(received.get('custom')!.headers['x-from-interceptor']).toBe('yes')
  })

  it('rejects with the UploadError put on the signal when aborted mid-body', async () => {
    const size = 32 * 1024 * 1024
    const path = join(dir, 'abort.bin')
    await writeFile(path, patterned(size))
    const controller = new AbortController()
    const reason = new UploadError('stalled', 'no progress for 30 s')
    const progress: number[] = []
    const result = transport.request({
      method: 'PUT',
      url: `${base}/hang`,
      body: await openAsBlob(path),
      signal: controller.signal,
      onUploadProgress: (loaded) => {
        progress.push(loaded)
        controller.abort(reason)
      },
    })
    await expect(result).rejects.toBe(reason)
    expect(progress[0]).toBeGreaterThan(0)
    expect(progress[0]).toBeLessThan(size)
  })

  it('wraps a plain abort reason in an aborted UploadError, and never sends when aborted first', async () => {
    const controller = new AbortController()
    controller.abort({ kind: 'pause' })
    const { id, response } = request({ url: '/echo', body: 'x', signal: controller.signal })
    const error = await response.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UploadError)
    expect(error).toMatchObject({ code: 'aborted', retryable: false, cause: { kind: 'pause' } })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(received.has(id)).toBe(false)
  })

  it('rejects with a retryable timeout when the server does not answer in time', async () => {
    const started = Date.now()
    const error = await request({
      url: '/hang',
      method: 'POST',
      body: 'x',
      timeoutMs: 200,
    }).response.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UploadError)
    expect(error).toMatchObject({ code: 'timeout', retryable: true })
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('rejects with a retryable network error when the connection is refused', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))

    const error = await transport
      .request({
        method: 'GET',
        url: `http://127.0.0.1:${port}/`,
        signal: new AbortController().signal,
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UploadError)
    expect(error).toMatchObject({ code: 'network', retryable: true })
    expect((error as UploadError).cause).toBeDefined()
  })

  it('rejects with a non-retryable network error for a request that cannot be sent', async () => {
    const error = await transport
      .request({ method: 'GET', url: 'ftp://127.0.0.1/file', signal: new AbortController().signal })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'network', retryable: false })
  })
})
