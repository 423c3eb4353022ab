import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { readdir } from 'node:fs/promises'
import {
  CHUNK,
  createUpload,
  getStatus,
  postJson,
  randomFile,
  startTestServer,
} from '../testing/harness'
import type { TestServer } from '../testing/harness'

let server: TestServer
beforeEach(async () => {
  server = await startTestServer({
    maxFileSize: 10 * CHUNK,
    accept: ['video/*', '.bin', 'application/pdf'],
  })
})
afterEach(async () => {
  await server.dispose()
})

/** A request with the path sent exactly as given (fetch would normalize it). */
function raw(
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests probe arbitrary JSON fields
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      const pieces: Buffer[] = []
      res.on('data', (piece: Buffer) => pieces.push(piece))
      res.on('end', () => {
        const text = Buffer.concat(pieces).toString()
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

const validShape = 'AAAAAAAAAAAAAAAAAAAAAAAA'

describe('reference server: never trusts the client', () => {
  it('answers 404 with a JSON error for unknown and malformed ids', async () => {
    for (const id of [
      validShape,
      'short',
      'A'.repeat(25),
      'AAAAAAAAAAAAAAAAAAAAAAA.',
      '%00',
      'AAAAAAAAAAAAAAAAAAAAAAA%41',
    ]) {
      const res = await raw('GET', `/http/uploads/${id}`)
      expect(res.status, id).toBe(404)
      expect(res.json.error.code).toBe('not-found')
    }
    expect(
      (await raw('PUT', `/http/uploads/${validShape}/chunks/0`, Buffer.alloc(100))).status,
    ).toBe(404)
    expect(
      (
        await raw('POST', `/http/uploads/${validShape}/complete`, Buffer.from('{}'), {
          'content-type': 'application/json',
        })
      ).status,
    ).toBe(404)
    // Abort is idempotent: an unknown id is fine.
    expect((await raw('DELETE', `/http/uploads/${validShape}`)).status).toBe(204)
  })

  it('rejects path-escape attempts without touching anything outside the store', async () => {
    const before = await readdir(server.root)
    const attempts = [
      '/http/uploads/..%2F..%2F..%2Fetc%2Fpasswd',
      '/http/uploads/%2e%2e%2f%2e%2e%2fetc%2fpasswd/chunks/0',
      `/http/uploads/${validShape}%2F..%2F..%2Fx`,
      '/http/uploads/..%5C..%5Cwindows',
      '/http/uploads/../../../etc/passwd',
      '/http/uploads/%2Fetc%2Fpasswd/complete',
      '//http/uploads',
    ]
    for (const path of attempts) {
      const res = await raw('PUT', path, Buffer.alloc(10))
      expect(res.status, path).toBe(404)
      expect(res.json.error.code).toBe('not-found')
    }
    expect(await readdir(server.root)).toEqual(before)
  })

  it('refuses a control body over 64 KiB and garbage JSON', async () => {
    const big = await postJson(`${server.httpUrl}/uploads`, {
      name: 'a.bin',
      size: 1,
      chunkSize: CHUNK,
      pad: 'x'.repeat(70_000),
    })
    expect(big.status).toBe(413)
    expect(big.body.error.code).toBe('body-too-large')
    // Without a Content-Length the cap is enforced while reading.
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(8 * 1024).fill(32))
        controller.close()
      },
    })
    const streamed = await fetch(`${server.httpUrl}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
    for (const garbage of ['{', 'null', '[1,2]', '"text"', '\xff\xfe']) {
      const res = await raw('POST', '/http/uploads', Buffer.from(garbage, 'latin1'), {
        'content-type': 'application/json',
      })
      expect(res.status, garbage).toBe(400)
      expect(res.json.error.code).toBe('bad-request')
    }
  })

  it('validates create bodies: sizes, chunk sizes, types', async () => {
    const file = randomFile(16)
    const tooBig = await createUpload(server, file, { size: 10 * CHUNK + 1 })
    expect(tooBig.status).toBe(413)
    expect(tooBig.body.error.code).toBe('file-too-large')
    const rejected = await createUpload(server, file, {
      name: 'x.exe',
      type: 'application/x-msdownload',
    })
    expect(rejected.status).toBe(415)
    expect(rejected.body.error.code).toBe('file-type-rejected')
    expect(
      (await createUpload(server, file, { name: 'clip.MOV', type: 'video/quicktime' })).status,
    ).toBe(201)
    expect(
      (await createUpload(server, file, { name: 'doc', type: 'application/pdf' })).status,
    ).toBe(201)
    const faults = [
      { size: -1 },
      { size: 1.5 },
      { size: '16' },
      { chunkSize: CHUNK - 1 },
      { chunkSize: 1024 ** 3 },
      { name: '' },
      { type: 'video/mp4\r\nx-evil: 1' },
      { hash: 'xyz' },
      { lastModified: 'yesterday' },
    ]
    for (const fault of faults) {
      const res = await createUpload(server, file, fault)
      expect(res.status, JSON.stringify(fault)).toBe(400)
      expect(res.body.error.code).toBe('bad-request')
    }
  })

  it('refuses chunk sizes that would give more than 10,000 chunks', async () => {
    const unlimited = await startTestServer()
    try {
      const body = { name: 'big.bin', size: 10_001 * CHUNK, chunkSize: CHUNK }
      expect((await postJson(`${unlimited.httpUrl}/uploads`, body)).status).toBe(400)
      expect(
        (await postJson(`${unlimited.httpUrl}/uploads`, { ...body, size: 10_000 * CHUNK })).status,
      ).toBe(201)
    } finally {
      await unlimited.dispose()
    }
  })

  it('answers CORS preflights for allowed local origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.httpUrl}/uploads/x/chunks/0`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-md5, content-type',
        },
      })
    const local = await preflight('http://localhost:5173')
    expect(local.status).toBe(204)
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
    expect(local.headers.get('access-control-allow-methods')).toContain('PUT')
    expect(local.headers.get('access-control-allow-headers')).toContain('content-md5')
    const evil = await preflight('https://evil.example')
    expect(evil.headers.get('access-control-allow-origin')).toBeNull()
    const lookalike = await preflight('http://127.0.0.1.evil.example:80')
    expect(lookalike.headers.get('access-control-allow-origin')).toBeNull()

    const id = (await createUpload(server, randomFile(10))).body.id as string
    const status = await fetch(`${server.httpUrl}/uploads/${id}`, {
      headers: { origin: 'http://127.0.0.1:6006' },
    })
    expect(status.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:6006')
    expect(status.headers.get('access-control-expose-headers')).toContain('Retry-After')
    expect((await getStatus(server, id)).headers.get('access-control-allow-origin')).toBeNull()
  })

  it('answers wrong methods with 405 and a JSON error', async () => {
    const res = await raw('PATCH', '/http/uploads')
    expect(res.status).toBe(405)
    expect(res.json.error.code).toBe('method-not-allowed')
  })
})
