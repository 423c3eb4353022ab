/**
 * The holes an attack on the three reference endpoints found (issue 14), each replayed
 * over real HTTP on 127.0.0.1 against the endpoints as `npm run dev` mounts them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connect } from 'node:net'
import { raw, rawJson, startRig, tusHeaders, type Rig } from '../testing/attack-rig'
import { CHUNK, eventually, md5Hex, randomFile } from '../testing/harness'

let rig: Rig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
  vi.restoreAllMocks()
})

const b64 = (text: string) => Buffer.from(text).toString('base64')
const createBody = (size: number, extra: Record<string, unknown> = {}) => ({
  name: 'a.bin',
  size,
  chunkSize: CHUNK,
  ...extra,
})

async function tusCreate(r: Rig, token: string | undefined, size: number, name = 'a.bin') {
  const res = await raw(`${r.server.url}/tus`, {
    method: 'POST',
    headers: tusHeaders(token, {
      'upload-length': String(size),
      'upload-metadata': `filename ${b64(name)}`,
    }),
  })
  return { res, location: String(res.headers.location ?? '') }
}

async function tusPatch(location: string, token: string | undefined, bytes: Buffer) {
  return raw(location, {
    method: 'PATCH',
    headers: tusHeaders(token, {
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    }),
    body: bytes,
  })
}

describe('tus', () => {
  it("refuses to delete another's upload through `<id>.json` or a bare id, touching nothing (1)", async () => {
    rig = await startRig()
    const { location } = await tusCreate(rig, 'Bearer alice', 10)
    const dir = join(rig.base, 'tus')
    const before = (await readdir(dir)).sort()
    for (const url of [`${location}.json`, location]) {
      for (const token of [undefined, 'Bearer mallory']) {
        const res = await raw(url, { method: 'DELETE', headers: tusHeaders(token) })
        expect(res.status, url).toBe(404)
        expect(res.text).not.toContain(dir)
      }
    }
    expect((await readdir(dir)).sort()).toEqual(before)
    const head = await raw(location, { method: 'HEAD', headers: tusHeaders('Bearer alice') })
    expect(head.status).toBe(200)
    expect((await tusPatch(location, 'Bearer alice', randomFile(10))).status).toBe(204)
  })

  it('sweeps expired unfinished uploads only, never finished ones (2)', async () => {
    // Long enough for the PATCH to land before the expiry on a loaded machine (50 ms was not).
    rig = await startRig({ tus: { expiresInMs: 500 } })
    const done = await tusCreate(rig, undefined, 10)
    expect((await tusPatch(done.location, undefined, randomFile(10))).status).toBe(204)
    const unfinished = await tusCreate(rig, undefined, 10)
    await new Promise((resolve) => setTimeout(resolve, 650))
    expect(await rig.tus.sweep()).toBe(1)
    const kept = await raw(done.location, { method: 'HEAD', headers: tusHeaders() })
    expect(kept.status).toBe(200)
    expect(kept.headers['upload-offset']).toBe('10')
    expect((await raw(done.location)).status).toBe(200)
    const gone = await raw(unfinished.location, { method: 'HEAD', headers: tusHeaders() })
    expect(gone.status).toBe(404)
  })

  it('names a download after RFC 6266 (non-ASCII, CR/LF, quotes) (7)', async () => {
    rig = await startRig()
    for (const [name, ascii, encoded] of [
      ['日本.txt', '__.txt', '%E6%97%A5%E6%9C%AC.txt'],
      [
        'a\r\nSet-Cookie: x=1 "q".txt',
        'aSet-Cookie: x=1 _q_.txt',
        'aSet-Cookie%3A%20x%3D1%20%22q%22.txt',
      ],
    ]) {
      const { location } = await tusCreate(rig, undefined, 3, name)
      await tusPatch(location, undefined, Buffer.from('abc'))
      const got = await raw(location)
      expect(got.status, name).toBe(200)
      expect(got.text).toBe('abc')
      expect(got.headers['set-cookie']).toBeUndefined()
      expect(got.headers['content-disposition']).toBe(
        `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`,
      )
    }
  })

  it('answers internal failures with a generic body, never the message (7)', async () => {
    rig = await startRig({ tus: { onError: () => undefined } })
    const { location } = await tusCreate(rig, undefined, 3)
    await tusPatch(location, undefined, Buffer.from('abc'))
    const store = rig.tus.store
    const real = store.getUpload.bind(store)
    let calls = 0
    vi.spyOn(store, 'getUpload').mockImplementation(async (id) => {
      if (++calls === 2) throw new Error(`EIO: i/o error, open '${rig!.base}/secret'`)
      return real(id)
    })
    const got = await raw(location)
    expect(got.status).toBe(500)
    expect(got.text).toBe('the server failed; try again later\n')
  })

  it('caps tus uploads per identity and per address, and answers 507 past the free disk (4)', async () => {
    rig = await startRig({ tus: { maxOpenUploads: 2, maxSize: 2 ** 52 } })
    for (const token of ['Bearer a', 'Bearer a']) {
      expect((await tusCreate(rig, token, 10)).res.status).toBe(201)
    }
    expect((await tusCreate(rig, 'Bearer a', 10)).res.status).toBe(429)
    // A made-up token from the same address shares the address's cap.
    expect((await tusCreate(rig, 'Bearer made-up', 10)).res.status).toBe(429)
    const huge = await raw(`${rig.server.url}/tus`, {
      method: 'POST',
      from: '127.0.0.2',
      headers: tusHeaders(undefined, { 'upload-length': String(2 ** 50) }),
    })
    expect(huge.status).toBe(507)
  })
})

describe('HTTP chunk routes', () => {
  it('caps per address and in declared bytes: made-up tokens share one address (4)', async () => {
    rig = await startRig({ http: { maxOpenUploads: 100, maxOpenBytes: 3 * 2 ** 30 } })
    const url = `${rig.server.httpUrl}/uploads`
    const statuses: number[] = []
    for (let i = 0; i < 120; i++) {
      const res = await rawJson(url, createBody(1), { headers: { authorization: `Bearer ${i}` } })
      statuses.push(res.status)
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(100)
    expect(statuses.slice(100).every((s) => s === 429)).toBe(true)
    // Another address has its own allowance; bytes are capped too (3 GiB here).
    const other = { from: '127.0.0.2' }
    const big = createBody(2 ** 30, { chunkSize: 512 * 1024 ** 2 })
    for (let i = 0; i < 3; i++) expect((await rawJson(url, big, other)).status).toBe(201)
    const refused = await rawJson(url, big, other)
    expect(refused.status).toBe(429)
    expect(refused.json.error).toMatchObject({ code: 'too-many-uploads', unit: 'bytes' })
  })

  it('answers 507 when the store cannot take the declared size (4)', async () => {
    rig = await startRig({ http: { maxFileSize: 2 ** 52, maxOpenBytes: 2 ** 52 } })
    const res = await rawJson(
      `${rig.server.httpUrl}/uploads`,
      createBody(2 ** 42, { chunkSize: 512 * 1024 ** 2 }),
    )
    expect(res.status).toBe(507)
    expect(res.json.error.code).toBe('insufficient-storage')
    expect(await readdir(join(rig.base, 'http', 'uploads'))).toEqual([])
  })

  it('tells clients behind a trusted proxy apart by X-Forwarded-For, and only then (4)', async () => {
    for (const trustedProxies of [0, 1]) {
      rig = await startRig({ http: { trustedProxies, maxOpenUploads: 1 } })
      const create = (forwarded: string) =>
        rawJson(`${rig!.server.httpUrl}/uploads`, createBody(1), {
          headers: { 'x-forwarded-for': forwarded },
        })
      expect((await create('203.0.113.1')).status).toBe(201)
      // The client's own claim left of the proxy's entry changes nothing.
      expect((await create('198.51.100.7, 203.0.113.1')).status).toBe(429)
      expect((await create('203.0.113.2')).status).toBe(trustedProxies ? 201 : 429)
      await rig.close()
      rig = undefined
    }
  })

  it('refuses control POSTs that are not JSON with 415, creating nothing (5)', async () => {
    rig = await startRig()
    const body = JSON.stringify(createBody(1))
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await raw(`${rig.server.httpUrl}/uploads`, {
        method: 'POST',
        headers: type ? { 'content-type': type, origin: 'https://evil.example' } : {},
        body,
      })
      expect(res.status, type).toBe(415)
      expect(res.json.error.code).toBe('unsupported-media-type')
    }
    expect(await readdir(join(rig.base, 'http', 'uploads'))).toEqual([])
  })

  it('never lets a second anonymous client learn of, read or delete another one’s file (12)', async () => {
    rig = await startRig()
    const url = `${rig.server.httpUrl}/uploads`
    const file = randomFile(1000)
    const fingerprint = md5Hex(file.subarray(0, 100))
    const a = await rawJson(url, createBody(file.length, { fingerprint }))
    const id = a.json.id as string
    await raw(`${url}/${id}/chunks/0`, { method: 'PUT', body: file })
    expect((await rawJson(`${url}/${id}/complete`, {})).status).toBe(200)
    const from = '127.0.0.2'
    const b = await rawJson(url, createBody(file.length, { fingerprint, hash: md5Hex(file) }), {
      from,
    })
    expect(b.status).toBe(201) // not an instant upload of A's bytes
    expect(b.json.duplicateCandidate).toBe(false)
    expect((await raw(`${url}/${id}`, { from })).status).toBe(404)
    expect((await raw(`${url}/${id}`, { method: 'DELETE', from })).status).toBe(204)
    expect((await raw(`${url}/${id}`)).json.complete).toBe(true)
    // The same client still finds its own file.
    const again = await rawJson(url, createBody(file.length, { fingerprint, hash: md5Hex(file) }))
    expect(again.json.instant).toBe(true)
  })

  it('stores names normalized: fullwidth slashes, zero-width and bidi characters, lone surrogates (13)', async () => {
    rig = await startRig()
    const url = `${rig.server.httpUrl}/uploads`
    for (const [name, stored] of [
      ['..／..／etc／passwd', 'passwd'],
      ['a\u200bb\u2060c\ufeff.txt', 'abc.txt'],
      ['bad\ud800name.txt', 'bad\ufffdname.txt'],
      ['．．', 'file'],
      ['cod\u202eexe.doc', 'codexe.doc'],
    ]) {
      const res = await rawJson(url, createBody(1, { name }))
      expect(res.status, name).toBe(201)
      const meta = JSON.parse(
        await readFile(join(rig.base, 'http', 'uploads', `${res.json.id}.json`), 'utf8'),
      )
      expect(meta.name, name).toBe(stored)
    }
  })

  it('answers 421 to a Host the server is not known by (DNS rebinding), on every endpoint (11)', async () => {
    rig = await startRig()
    for (const path of ['/http/uploads', '/tus', '/s3/uploads']) {
      const res = await raw(`${rig.server.url}${path}`, {
        method: 'POST',
        headers: { host: 'evil.example:8787', 'content-type': 'application/json', ...tusHeaders() },
        body: JSON.stringify(createBody(1)),
      })
      expect(res.status, path).toBe(421)
    }
    const { res, location } = await tusCreate(rig, undefined, 1)
    expect(res.status).toBe(201)
    expect(location.startsWith(`${rig.server.url}/tus/`)).toBe(true)
  })
})

describe('slow bodies (9)', () => {
  it('gives up a chunk body trickled a byte at a time, so the chunk is free for a real PUT', async () => {
    rig = await startRig({ http: { stallTimeoutMs: 400 } })
    const url = `${rig.server.httpUrl}/uploads`
    const file = randomFile(CHUNK)
    const id = (await rawJson(url, createBody(file.length))).json.id as string
    const socket = connect(rig.server.port, '127.0.0.1')
    socket.on('error', () => undefined)
    socket.write(
      `PUT /http/uploads/${id}/chunks/0 HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Length: ${CHUNK}\r\n\r\n`,
    )
    const trickle = setInterval(() => socket.write(Buffer.from([1])), 100)
    try {
      // Well past the stall timeout, yet never silent for it.
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const put = await raw(`${url}/${id}/chunks/0`, { method: 'PUT', body: file })
      expect(put.status).toBe(204)
    } finally {
      clearInterval(trickle)
      socket.destroy()
    }
    expect((await raw(`${url}/${id}`)).json.received).toEqual([[0, 1]])
  })
})

describe('durability (6)', () => {
  it('claims a chunk on disk only once its bytes are synced: a crash between write and sync loses the claim, not the bytes', async () => {
    rig = await startRig()
    const url = `${rig.server.httpUrl}/uploads`
    const file = randomFile(CHUNK + 10)
    const id = (await rawJson(url, createBody(file.length))).json.id as string
    const uploads = join(rig.base, 'http', 'uploads')
    const probe = await open(join(rig.base, 'probe'), 'w')
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }
    await probe.close()
    // The "crash": every data sync hangs, as if the power went while the disk flushed.
    let release!: () => void
    const hung = new Promise<void>((resolve) => (release = resolve))
    const real = proto.datasync
    const sync = vi.spyOn(proto, 'datasync').mockImplementation(async function (this: unknown) {
      await hung
      return real.call(this)
    })
    const put = raw(`${url}/${id}/chunks/0`, { method: 'PUT', body: file.subarray(0, CHUNK) })
    let answered = false
    void put.then(() => (answered = true))
    // The chunk's bytes are written to the part file...
    await eventually(async () => {
      const part = await readFile(join(uploads, `${id}.part`))
      return answered || md5Hex(part.subarray(0, CHUNK)) === md5Hex(file.subarray(0, CHUNK))
    })
    await eventually(async () => answered || sync.mock.calls.length > 0)
    // ...but the meta on disk does not claim them, and the client has no acknowledgement.
    const meta = JSON.parse(await readFile(join(uploads, `${id}.json`), 'utf8'))
    expect(meta.received).toEqual([])
    expect(answered).toBe(false)
    release()
    expect((await put).status).toBe(204)
    const after = JSON.parse(await readFile(join(uploads, `${id}.json`), 'utf8'))
    expect(after.received).toEqual([[0, 1]])
  })
})

describe('S3 signer', () => {
  it('caps creates per identity and per address (4), refuses non-JSON control POSTs (5)', async () => {
    rig = await startRig({ s3: { maxOpenUploads: 3 } })
    const url = `${rig.server.url}/s3/uploads`
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await rawJson(
        url,
        { name: 'a.bin', size: 1 },
        {
          headers: { authorization: `Bearer ${i}` },
        },
      )
      statuses.push(res.status)
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429])
    const text = await raw(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: 'Bearer z' },
      body: JSON.stringify({ name: 'a.bin', size: 1 }),
      from: '127.0.0.2',
    })
    expect(text.status).toBe(415)
  })

  it('answers 404 to a malformed id and binds each part URL to the part’s length (10)', async () => {
    rig = await startRig()
    const url = `${rig.server.url}/s3/uploads`
    expect((await raw(`${url}/%E0%A4%A/parts`)).status).toBe(404)
    const created = await rawJson(url, { name: 'a.bin', size: 1 })
    const signed = await rawJson(`${url}/${encodeURIComponent(created.json.id)}/parts/1`, {})
    expect(signed.status).toBe(200)
    const big = await fetch(signed.json.url, { method: 'PUT', body: new Uint8Array(6 * 2 ** 20) })
    await big.arrayBuffer()
    expect(big.status).toBe(403)
    const right = await fetch(signed.json.url, { method: 'PUT', body: new Uint8Array(1) })
    await right.arrayBuffer()
    expect(right.status).toBe(200)
  })
})
