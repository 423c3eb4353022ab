/**
 * The reference server's hardening beyond input validation (server-security.test.ts):
 * uploads bound to their creator, a per-client cap, sanitized stored names, unguessable
 * ids, fsynced metas, configurable CORS.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { open, readdir, readFile, rm, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CHUNK,
  chunkOf,
  md5Hex,
  randomFile,
  startTestServer,
  type TestServer,
} from '../testing/harness'
import { writeJsonAtomic } from '../http-chunk/meta'
import { sanitizeFileName } from '../http-chunk/names'
import { isUploadId } from '../index'
import { createTusEndpoint, TUS_OWNER_KEY } from '../tus'

let server: TestServer | undefined
afterEach(async () => {
  await server?.dispose()
  server = undefined
})

/** A request to the HTTP chunk routes with an optional bearer token. */
async function call(
  method: string,
  path: string,
  token: string | undefined,
  body?: Uint8Array | object,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests probe arbitrary JSON fields
): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  let payload: BodyInit | undefined
  if (body instanceof Uint8Array) payload = body as Uint8Array<ArrayBuffer>
  else if (body !== undefined) {
    headers['content-type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const res = await fetch(`${server!.httpUrl}${path}`, { method, headers, body: payload })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : null }
}

const createBody = (file: Buffer, extra: Record<string, unknown> = {}) => ({
  name: 'data.bin',
  size: file.length,
  chunkSize: CHUNK,
  ...extra,
})

describe('reference server hardening', () => {
  it("binds an upload to its creator's token: another token or none gets 404 and changes nothing", async () => {
    server = await startTestServer()
    const file = randomFile(CHUNK + 10)
    const created = await call('POST', '/uploads', 'alice', createBody(file))
    expect(created.status).toBe(201)
    const id = created.json.id as string
    for (const other of ['mallory', undefined]) {
      expect((await call('GET', `/uploads/${id}`, other)).status).toBe(404)
      expect((await call('PUT', `/uploads/${id}/chunks/0`, other, chunkOf(file, 0))).status).toBe(
        404,
      )
      expect((await call('POST', `/uploads/${id}/complete`, other, {})).status).toBe(404)
      expect(
        (await call('POST', `/uploads/${id}/instant`, other, { hash: md5Hex(file) })).status,
      ).toBe(404)
      // Abort stays idempotent (204) but leaves someone else's upload alone.
      expect((await call('DELETE', `/uploads/${id}`, other)).status).toBe(204)
    }
    const status = await call('GET', `/uploads/${id}`, 'alice')
    expect(status.status).toBe(200)
    expect(status.json.received).toEqual([])
    expect((await call('PUT', `/uploads/${id}/chunks/0`, 'alice', chunkOf(file, 0))).status).toBe(
      204,
    )
    expect((await call('PUT', `/uploads/${id}/chunks/1`, 'alice', chunkOf(file, 1))).status).toBe(
      204,
    )
    const done = await call('POST', `/uploads/${id}/complete`, 'alice', {})
    expect(done.json.hash).toBe(md5Hex(file))
    // The completed file is still the creator's only.
    expect((await call('GET', `/uploads/${id}`, 'mallory')).status).toBe(404)
    // Instant upload never tells one user that another holds the same bytes.
    const other = await call(
      'POST',
      '/uploads',
      'mallory',
      createBody(file, { hash: md5Hex(file) }),
    )
    expect(other.status).toBe(201)
    const same = await call('POST', '/uploads', 'alice', createBody(file, { hash: md5Hex(file) }))
    expect(same.status).toBe(200)
    expect(same.json.instant).toBe(true)
  })

  it('uses the owner function when given, so rotating tokens of one user keep their uploads', async () => {
    server = await startTestServer({
      owner: (request) => (request.headers.get('authorization') ?? '').split('.')[0],
    })
    const file = randomFile(100)
    const id = (await call('POST', '/uploads', 'user1.token-a', createBody(file))).json.id
    expect((await call('GET', `/uploads/${id}`, 'user1.token-b')).status).toBe(200)
    expect((await call('GET', `/uploads/${id}`, 'user2.token-a')).status).toBe(404)
  })

  it('caps unfinished uploads per client with 429 too-many-uploads, per identity', async () => {
    // The address's own cap is set apart here; per-address caps have their own test.
    server = await startTestServer({ maxOpenUploads: 3, maxOpenUploadsPerAddress: 10 })
    const file = randomFile(100)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', '/uploads', undefined, createBody(file))
      expect(res.status).toBe(201)
      ids.push(res.json.id as string)
    }
    const refused = await fetch(`${server.httpUrl}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(createBody(file)),
    })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('30')
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'too-many-uploads',
    )
    // Another identity has its own allowance; finishing one frees a slot.
    expect((await call('POST', '/uploads', 'bob', createBody(file))).status).toBe(201)
    expect((await call('DELETE', `/uploads/${ids[0]}`, undefined)).status).toBe(204)
    expect((await call('POST', '/uploads', undefined, createBody(file))).status).toBe(201)
  })

  it('stores a sanitized name and never uses the declared name in a path', async () => {
    server = await startTestServer()
    const long = `${'ж'.repeat(200)}.tar.gz` // 400+ bytes of UTF-8
    const cases: [string, string][] = [
      ['../../../etc/passwd', 'passwd'],
      ['..\\..\\boot.ini', 'boot.ini'],
      ['a\u0000b\u0007c\nd.txt', 'abcd.txt'],
      ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
      ['\u2066photo\u2069\u200F.jpg', 'photo.jpg'],
      ['holiday 🎉👨‍👩‍👧.mp4', 'holiday 🎉👨‍👩‍👧.mp4'],
      ['..', 'file'],
      [long, sanitizeFileName(long)],
    ]
    for (const [name, stored] of cases) {
      const file = randomFile(10)
      const created = await call('POST', '/uploads', undefined, createBody(file, { name }))
      expect(created.status, name).toBe(201)
      const id = created.json.id as string
      await call('PUT', `/uploads/${id}/chunks/0`, undefined, file)
      const done = await call('POST', `/uploads/${id}/complete`, undefined, {})
      expect(done.json.name, name).toBe(stored)
      const meta = JSON.parse(await readFile(join(server.root, 'files', `${id}.json`), 'utf8'))
      expect(meta.name).toBe(stored)
    }
    expect(Buffer.byteLength(sanitizeFileName(long))).toBeLessThanOrEqual(255)
    expect(sanitizeFileName(long).endsWith('.gz')).toBe(true)
    // Every name on disk is a server id (plus our suffixes), whatever the client declared.
    for (const folder of ['uploads', 'files']) {
      for (const entry of await readdir(join(server.root, folder))) {
        expect(isUploadId(entry.split('.')[0]), entry).toBe(true)
      }
    }
    expect((await readdir(server.root)).sort()).toEqual(['files', 'uploads'])
  })

  it('hands out ids of 144 random bits that never repeat', async () => {
    server = await startTestServer({ maxOpenUploads: 1000 })
    const ids = new Set<string>()
    const file = randomFile(1)
    for (let i = 0; i < 64; i++) {
      const id = (await call('POST', '/uploads', undefined, createBody(file))).json.id as string
      expect(Buffer.from(id, 'base64url')).toHaveLength(18)
      ids.add(id)
    }
    expect(ids.size).toBe(64)
  })

  it('fsyncs a meta before it replaces the old one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vcu-fsync-'))
    const probe = await open(join(dir, 'probe'), 'w')
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> }
    await probe.close()
    const sync = vi.spyOn(proto, 'sync')
    try {
      await writeJsonAtomic(join(dir, 'meta.json'), { a: 1 })
      // The file's bytes, then the directory holding the rename.
      expect(sync).toHaveBeenCalledTimes(2)
      expect(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))).toEqual({ a: 1 })
    } finally {
      sync.mockRestore()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('allows exactly the configured CORS origins, and loopback pages by default', async () => {
    server = await startTestServer({ cors: { origins: ['https://app.example.com'] } })
    const preflight = (origin: string) =>
      fetch(`${server!.httpUrl}/uploads`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      }).then((res) => res.headers.get('access-control-allow-origin'))
    expect(await preflight('https://app.example.com')).toBe('https://app.example.com')
    expect(await preflight('http://127.0.0.1:5173')).toBeNull()
    expect(await preflight('https://app.example.com.evil.example')).toBeNull()
    await server.dispose()
    server = await startTestServer()
    // The dev server and playground: 127.0.0.1 pages on another port.
    expect(await preflight('http://127.0.0.1:5173')).toBe('http://127.0.0.1:5173')
    expect(await preflight('https://app.example.com')).toBeNull()
    expect(await preflight('null')).toBeNull()
  })

  it('binds a tus upload to its creator: another token gets 404 on HEAD, PATCH and DELETE', async () => {
    const tusRoot = await mkdtemp(join(tmpdir(), 'vcu-tus-owner-'))
    const tus = createTusEndpoint({ root: tusRoot })
    server = await startTestServer({ routes: [tus] })
    const url = `${server.url}/tus`
    const as = (
      token: string | undefined,
      init: RequestInit & { headers?: Record<string, string> },
    ) =>
      ({
        ...init,
        headers: {
          'tus-resumable': '1.0.0',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...init.headers,
        },
      }) as RequestInit
    try {
      const forged = Buffer.from(
        await import('node:crypto').then((c) => c.randomBytes(8)),
      ).toString('base64')
      const created = await fetch(
        url,
        as('alice', {
          method: 'POST',
          // A client-sent owner key is overwritten by the server.
          headers: { 'upload-length': '10', 'upload-metadata': `${TUS_OWNER_KEY} ${forged}` },
        }),
      )
      expect(created.status).toBe(201)
      const location = new URL(created.headers.get('location')!, url).href
      const patch = (token: string | undefined) =>
        fetch(
          location,
          as(token, {
            method: 'PATCH',
            headers: { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
            body: new Uint8Array(10).fill(1),
          }),
        )
      for (const other of ['mallory', undefined]) {
        expect((await fetch(location, as(other, { method: 'HEAD' }))).status).toBe(404)
        expect((await patch(other)).status).toBe(404)
        expect((await fetch(location, as(other, { method: 'DELETE' }))).status).toBe(404)
      }
      expect(
        (await fetch(location, as('alice', { method: 'HEAD' }))).headers.get('upload-offset'),
      ).toBe('0')
      expect((await patch('alice')).status).toBe(204)
    } finally {
      await server.dispose()
      server = undefined
      await rm(tusRoot, { recursive: true, force: true })
    }
  })
})
