/**
 * The seeded fuzz of server-fuzz.test.ts, extended to the tus endpoint and the S3 signer
 * (mounted as `npm run dev` mounts them, the signer on the local S3): random and malformed
 * requests on raw sockets. Properties: no answer is a 5xx, nothing is written outside the
 * stores, and a victim's unfinished tus upload and S3 multipart upload, created before the
 * fuzz with a token the fuzzer never sends, stay intact and completable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { raw, rawJson, startRig, tusHeaders, type Rig } from '../testing/attack-rig'
import { sendRaw, type Fuzzed } from '../testing/raw-send'

const SEED = 0x14_2026
const RUNS = 300
const VICTIM = 'Bearer victim-token'
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')

let rig: Rig
const victim = { tus: '', tusBytes: Buffer.from('0123456789'), s3: '', etag: '' }
const part = Buffer.alloc(64 * 1024, 7)

beforeAll(async () => {
  rig = await startRig()
  await writeFile(join(rig.base, 'outside.txt'), 'untouched')
  const created = await raw(`${rig.server.url}/tus`, {
    method: 'POST',
    headers: tusHeaders(VICTIM, { 'upload-length': '10' }),
  })
  victim.tus = String(created.headers.location)
  const patched = await raw(victim.tus, {
    method: 'PATCH',
    headers: tusHeaders(VICTIM, {
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    }),
    body: victim.tusBytes.subarray(0, 5),
  })
  expect(patched.status).toBe(204)
  const s3 = await rawJson(
    `${rig.server.url}/s3/uploads`,
    { name: 'v.bin', size: part.length * 2, partSize: part.length },
    { headers: { authorization: VICTIM } },
  )
  victim.s3 = s3.json.id
  const signed = await rawJson(
    `${rig.server.url}/s3/uploads/${encodeURIComponent(victim.s3)}/parts/1`,
    {},
    { headers: { authorization: VICTIM } },
  )
  const put = await fetch(signed.json.url, { method: 'PUT', body: part })
  victim.etag = String(put.headers.get('etag')).replace(/"/g, '')
  expect(put.status).toBe(200)
}, 60_000)

afterAll(async () => {
  await rig?.close()
})

const tusId = () =>
  fc.oneof(
    fc.constant(() => victim.tus.split('/').pop()!),
    fc.constant(() => `${victim.tus.split('/').pop()!}.json`),
    fc.stringMatching(/^[0-9a-f]{32}$/).map((s) => () => s),
    fc
      .constantFrom('..', '%2e%2e', '..%2F..%2Fescape', '%00', 'a'.repeat(3000), '', '.json')
      .map((s) => () => s),
    fc.string({ maxLength: 20 }).map((s) => () => encodeURIComponent(s)),
  )
const s3Id = () =>
  fc.oneof(
    fc.constant(() => encodeURIComponent(victim.s3)),
    fc.constant(() => encodeURIComponent(`${victim.s3.split('.')[0]}.AAAA`)),
    fc.constantFrom('%E0%A4%A', '..', '%2F', 'a.b.c', 'x'.repeat(3000)).map((s) => () => s),
    fc.string({ maxLength: 30 }).map((s) => () => encodeURIComponent(s)),
  )
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
  fc.integer({ min: -5, max: 2 ** 40 }).map(String),
  fc.constantFrom('1.0.0', '0.2.2', 'application/offset+octet-stream', 'application/json'),
)
const metadata = fc
  .array(fc.tuple(fc.stringMatching(/^[a-z-]{1,10}$/), fc.string({ maxLength: 20 })), {
    maxLength: 3,
  })
  .map((pairs) => pairs.map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(','))
const tusRequest = fc.record({
  method: fc.constantFrom('POST', 'HEAD', 'PATCH', 'DELETE', 'GET', 'OPTIONS', 'PUT'),
  path: fc.oneof(
    fc.constant(() => '/tus'),
    tusId().map((id) => () => `/tus/${id()}`),
    fc.constantFrom('/tus/', '/tus//x', '/tus/../http/uploads').map((p) => () => p),
  ),
  headers: fc.array(
    fc.tuple(
      fc.constantFrom(
        'Tus-Resumable',
        'Upload-Length',
        'Upload-Offset',
        'Upload-Defer-Length',
        'Upload-Concat',
        'Content-Type',
        'Authorization',
        'X-HTTP-Method-Override',
      ),
      headerValue,
    ),
    { maxLength: 4 },
  ),
  meta: fc.option(metadata, { nil: undefined }),
  // Most requests speak tus, so they get past @tus/server's 412 to the handlers.
  resumable: fc.boolean(),
  length: fc.option(fc.integer({ min: 0, max: 4096 }), { nil: undefined }),
  body: fc.uint8Array({ maxLength: 2048 }),
})
const s3Request = fc.record({
  method: fc.constantFrom('POST', 'GET', 'DELETE', 'PUT'),
  path: fc.oneof(
    fc.constant(() => '/s3/uploads'),
    fc
      .tuple(
        s3Id(),
        fc.constantFrom(
          '',
          '/parts',
          '/parts/1',
          '/parts/2',
          '/parts/0',
          '/parts/99999',
          '/complete',
          '/parts/1e3',
        ),
      )
      .map(
        ([id, tail]) =>
          () =>
            `/s3/uploads/${id()}${tail}`,
      ),
  ),
  headers: fc.array(
    fc.tuple(fc.constantFrom('Content-Type', 'Authorization', 'Origin'), headerValue),
    { maxLength: 3 },
  ),
  jsonType: fc.boolean(),
  json: fc.oneof(
    fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('../../../escape')),
        size: fc.oneof(
          fc.integer({ min: -1, max: 2 ** 20 }),
          fc.integer({ min: -1, max: 2 ** 44 }),
          fc.double(),
          fc.string(),
        ),
        partSize: fc.oneof(fc.integer({ min: -1, max: 2 ** 34 }), fc.constant(64 * 1024)),
        md5: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('1B2M2Y8AsgTpgAmY7PhCfg==')),
        parts: fc.array(
          fc.record({ partNumber: fc.integer({ min: -1, max: 3 }), etag: fc.string() }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
    fc.constant('not json'),
    // Valid creates, so the signer's deeper paths and caps run too.
    fc.integer({ min: 0, max: 2 ** 20 }).map((size) => ({ name: 'f.bin', size, partSize: 65536 })),
  ),
})

async function namesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
}

describe('tus and S3 signer fuzz (fast-check, seeded)', () => {
  it(`survives ${RUNS} random requests each: no 5xx, nothing outside the stores, victims intact`, async () => {
    const statuses = new Map<string, number>()
    const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1)
    const check = (label: string, status: number | null) => {
      count(`${label.split(' ', 2).join(' ')} ${status ?? 'closed'}`)
      if (status === null) return
      expect(status, label).toBeGreaterThanOrEqual(200)
      expect(status, label).toBeLessThan(500)
    }
    await fc.assert(
      fc.asyncProperty(tusRequest, async (req) => {
        const headers = req.headers.map(([n, v]): [string, string] =>
          n === 'Authorization' && v === VICTIM ? [n, 'Bearer not-the-victim'] : [n, v],
        )
        if (req.meta !== undefined) headers.push(['Upload-Metadata', req.meta])
        if (req.resumable) headers.unshift(['Tus-Resumable', '1.0.0'])
        if (req.length !== undefined) headers.push(['Upload-Length', String(req.length)])
        const fuzzed: Fuzzed = {
          method: req.method,
          path: req.path(),
          headers,
          body: req.body,
          lie: 0,
        }
        check(
          `tus ${req.method} ${fuzzed.path.slice(0, 80)}`,
          await sendRaw(rig.server.port, fuzzed),
        )
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )
    await fc.assert(
      fc.asyncProperty(s3Request, async (req) => {
        const headers = req.headers.filter(([, v]) => v !== VICTIM)
        if (req.jsonType) headers.unshift(['Content-Type', 'application/json'])
        const body = new Uint8Array(
          Buffer.from(typeof req.json === 'string' ? req.json : JSON.stringify(req.json)),
        )
        const fuzzed: Fuzzed = { method: req.method, path: req.path(), headers, body, lie: 0 }
        check(
          `s3 ${req.method} ${fuzzed.path.slice(0, 80)}`,
          await sendRaw(rig.server.port, fuzzed),
        )
      }),
      { numRuns: RUNS, seed: SEED + 1, endOnFailure: true },
    )
    console.info('[fuzz] tus / s3 answers', Object.fromEntries(statuses))
    // The fuzz reached the handlers, not only the validation: uploads were created.
    expect(statuses.get('tus POST 201') ?? 0).toBeGreaterThan(0)
    expect(statuses.get('s3 POST 201') ?? 0).toBeGreaterThan(0)

    // Nothing outside the stores.
    expect(await readFile(join(rig.base, 'outside.txt'), 'utf8')).toBe('untouched')
    for (const name of await namesUnder(rig.base)) {
      expect(/^(outside\.txt|probe|http|tus|s3)(\/|$)/.test(name), name).toBe(true)
    }
    // The victim's tus upload kept its bytes and finishes.
    const head = await raw(victim.tus, { method: 'HEAD', headers: tusHeaders(VICTIM) })
    expect(head.headers['upload-offset']).toBe('5')
    const rest = await raw(victim.tus, {
      method: 'PATCH',
      headers: tusHeaders(VICTIM, {
        'upload-offset': '5',
        'content-type': 'application/offset+octet-stream',
      }),
      body: victim.tusBytes.subarray(5),
    })
    expect(rest.status).toBe(204)
    const stored = await readFile(join(rig.base, 'tus', victim.tus.split('/').pop()!))
    expect(md5(stored)).toBe(md5(victim.tusBytes))
    // The victim's S3 upload kept its part and completes.
    const id = encodeURIComponent(victim.s3)
    const auth = { headers: { authorization: VICTIM } }
    const listed = await raw(`${rig.server.url}/s3/uploads/${id}/parts`, auth)
    expect(listed.json.parts).toEqual([
      { partNumber: 1, etag: `"${victim.etag}"`, size: part.length },
    ])
    const signed = await rawJson(`${rig.server.url}/s3/uploads/${id}/parts/2`, {}, auth)
    const put = await fetch(signed.json.url, { method: 'PUT', body: part })
    const done = await rawJson(
      `${rig.server.url}/s3/uploads/${id}/complete`,
      {
        parts: [
          { partNumber: 1, etag: victim.etag },
          { partNumber: 2, etag: String(put.headers.get('etag')) },
        ],
      },
      auth,
    )
    expect(done.status).toBe(200)
    expect(done.json.size).toBe(part.length * 2)
  }, 180_000)
})
