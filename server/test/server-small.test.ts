import { readdir, readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KiB, eventually, getStatus, md5Hex, randomFile, storedNames } from '../testing/harness'
import type { TestServer } from '../testing/harness'
import { serverPerTest } from '../testing/fixtures'

let server: TestServer
serverPerTest((started) => (server = started), { maxFileSize: 1024 * KiB, maxOpenUploads: 1 })

const info = (file: Buffer, extra: Record<string, unknown> = {}) =>
  encodeURIComponent(
    JSON.stringify({ name: 'photo.jpg', size: file.length, type: 'image/jpeg', ...extra }),
  )

async function putSmall(body: Uint8Array, headers: Record<string, string>) {
  const response = await fetch(`${server.httpUrl}/uploads`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: body as Uint8Array<ArrayBuffer>,
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

/** Every name left in the store's folders. */
const stored = () => storedNames(server)

describe('reference server: small-file route (PUT /uploads)', () => {
  it('creates and completes a file in one request, verified by its MD5', async () => {
    const file = randomFile(100 * KiB + 7)
    const res = await putSmall(file, { 'upload-info': info(file, { hash: md5Hex(file) }) })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ size: file.length, hash: md5Hex(file), name: 'photo.jpg' })
    const id = res.body.id as string
    expect(await readFile(join(server.root, 'files', id))).toEqual(file)
    expect((await getStatus(server, id)).body).toMatchObject({ complete: true })
    // Nothing of it is left among the incomplete uploads, so it holds no open-upload cap.
    expect(await readdir(join(server.root, 'uploads'))).toEqual([])
    const next = randomFile(10)
    expect((await putSmall(next, { 'upload-info': info(next) })).status).toBe(201)
  })

  it('stores an empty file', async () => {
    const res = await putSmall(new Uint8Array(0), { 'upload-info': info(Buffer.alloc(0)) })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ size: 0, hash: md5Hex(Buffer.alloc(0)) })
  })

  it('refuses bad input and keeps nothing of it', async () => {
    const file = randomFile(50 * KiB)
    const cases: [Record<string, string>, Uint8Array, number, string][] = [
      [{}, file, 400, 'bad-request'],
      [{ 'upload-info': '%7Bnot json' }, file, 400, 'bad-request'],
      [{ 'upload-info': encodeURIComponent('[1]') }, file, 400, 'bad-request'],
      [{ 'upload-info': info(file, { name: '' }) }, file, 400, 'bad-request'],
      [{ 'upload-info': info(file, { size: file.length + 1 }) }, file, 400, 'chunk-size-mismatch'],
      [{ 'upload-info': info(file, { size: 2048 * KiB }) }, file, 413, 'file-too-large'],
      [{ 'upload-info': info(file, { hash: md5Hex(randomFile(8)) }) }, file, 422, 'hash-mismatch'],
      [{ 'upload-info': info(file, { hash: 'zz' }) }, file, 400, 'bad-request'],
    ]
    for (const [headers, body, status, code] of cases) {
      const res = await putSmall(body, headers)
      expect(res.status, JSON.stringify(headers)).toBe(status)
      expect(res.body.error.code, JSON.stringify(headers)).toBe(code)
    }
    expect(await stored()).toEqual([])
  })

  it('keeps nothing of a body cut before its end', async () => {
    const file = randomFile(300 * KiB)
    const req = request(`${server.httpUrl}/uploads`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(file.length),
        'upload-info': info(file),
      },
    })
    req.on('error', () => undefined) // the destroy below is the point
    await new Promise<void>((resolve) => req.write(file.subarray(0, 100 * KiB), () => resolve()))
    // The file exists while its body arrives, written straight into files/ (it has no meta
    // yet, so it is not complete: a restart removes it)…
    await eventually(async () => (await readdir(join(server.root, 'files'))).length > 0)
    expect((await readdir(join(server.root, 'files'))).some((n) => n.endsWith('.json'))).toBe(false)
    // …and counts toward the identity's caps (this server allows one open upload)…
    const other = randomFile(10)
    const refused = await putSmall(other, { 'upload-info': info(other) })
    expect(refused.status).toBe(429)
    expect(refused.body.error.code).toBe('too-many-uploads')
    req.destroy()
    // …and is deleted, bytes and all, once the body breaks off.
    await eventually(async () => (await stored()).length === 0)
  })

  it('counts toward the caps from the admission check on, before any byte of its body', async () => {
    const file = randomFile(100 * KiB)
    const req = request(`${server.httpUrl}/uploads`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(file.length),
        'upload-info': info(file),
      },
    })
    req.on('error', () => undefined) // the destroy below is the point
    req.flushHeaders() // the headers, and not one byte of the body
    await eventually(async () => (await readdir(join(server.root, 'files'))).length > 0)
    const other = randomFile(10)
    const refused = await putSmall(other, { 'upload-info': info(other) })
    expect(refused.status).toBe(429)
    req.destroy()
    await eventually(async () => (await stored()).length === 0)
  })
})
