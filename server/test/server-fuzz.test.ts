/**
 * A bounded, seeded fuzz of the HTTP chunk protocol endpoints: random and malformed requests
 * written byte by byte on raw sockets (methods, paths with traversal and odd encodings, long
 * paths, lying Content-Length, garbage Content-Range / Content-MD5 / Upload-Offset, random
 * bodies). Properties: no answer is a 5xx, nothing is written outside the store, and uploads
 * created before the fuzz by another user stay byte-identical and completable.
 * Replay a failure with the seed and path fast-check prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { startReferenceServer, isUploadId, type RunningReferenceServer } from '../index'
import { sendRaw, type Fuzzed } from '../testing/raw-send'

const CHUNK = 256 * 1024
const SEED = 0x7b_2026
const RUNS = 500
const VICTIM_TOKEN = 'Bearer victim-token'

let base: string
let root: string
let server: RunningReferenceServer
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex')
const bytesOf = (size: number, salt: number) =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + salt) % 251))

/** The victim's files, created before the fuzz with a token the fuzzer never sends. */
const victim = {
  partial: { id: '', file: bytesOf(3 * CHUNK + 1234, 7) },
  complete: { id: '', file: bytesOf(CHUNK + 99, 13) },
}
/** Anonymous uploads the fuzzer may legitimately write into, so deep paths get exercised. */
const open: string[] = []

async function api(method: string, path: string, body?: Uint8Array | object, token?: string) {
  const headers: Record<string, string> = token ? { authorization: token } : {}
  let payload: BodyInit | undefined
  if (body instanceof Uint8Array) payload = body as Uint8Array<ArrayBuffer>
  else if (body) {
    headers['content-type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const res = await fetch(`${server.httpUrl}${path}`, { method, headers, body: payload })
  const text = await res.text()
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

const chunk = (file: Buffer, i: number) => file.subarray(i * CHUNK, (i + 1) * CHUNK)

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vcu-fuzz-'))
  root = join(base, 'store')
  await mkdir(root)
  await writeFile(join(base, 'outside.txt'), 'untouched')
  server = await startReferenceServer({ root, maxFileSize: 64 * CHUNK, stallTimeoutMs: 500 })
  const create = async (file: Buffer, token?: string) =>
    (await api('POST', '/uploads', { name: 'v.bin', size: file.length, chunkSize: CHUNK }, token))
      .json.id as string
  victim.partial.id = await create(victim.partial.file, VICTIM_TOKEN)
  for (const i of [0, 2]) {
    const put = await api(
      'PUT',
      `/uploads/${victim.partial.id}/chunks/${i}`,
      chunk(victim.partial.file, i),
      VICTIM_TOKEN,
    )
    expect(put.status).toBe(204)
  }
  victim.complete.id = await create(victim.complete.file, VICTIM_TOKEN)
  for (const i of [0, 1]) {
    await api(
      'PUT',
      `/uploads/${victim.complete.id}/chunks/${i}`,
      chunk(victim.complete.file, i),
      VICTIM_TOKEN,
    )
  }
  expect(
    (await api('POST', `/uploads/${victim.complete.id}/complete`, {}, VICTIM_TOKEN)).status,
  ).toBe(200)
  for (let i = 0; i < 3; i++) open.push(await create(bytesOf(2 * CHUNK + 5, i)))
})

afterAll(async () => {
  await server?.close()
  await rm(base, { recursive: true, force: true })
})

/** Sends `req` to the server; the status, or null when it closed without one. */
const send = (req: Fuzzed): Promise<number | null> => sendRaw(server.port, req)

const idLike = () =>
  fc.oneof(
    fc.constantFrom(...open, victim.partial.id, victim.complete.id),
    fc.stringMatching(/^[A-Za-z0-9_-]{24}$/),
    fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '..%2F..%2F..',
      '%2F',
      '%00',
      '%5C..%5C',
      '',
      'A'.repeat(5000),
    ),
    fc.string({ maxLength: 30 }).map(encodeURIComponent),
  )
const segment = fc.oneof(
  fc.constantFrom('chunks', 'stream', 'complete', 'instant', 'uploads', '..', '%2e%2e%2f'),
  fc.constantFrom('0', '1', '2', '-1', '1e3', '0x1', '007', '99999999999', '4294967296', ' 1'),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
)
const path = fc.oneof(
  fc
    .tuple(idLike(), fc.array(segment, { maxLength: 3 }))
    .map(([id, rest]) => ['/http/uploads', id, ...rest].join('/')),
  fc.constant('/http/uploads'),
  fc.array(segment, { maxLength: 6 }).map((parts) => `/http/${parts.join('/')}`),
  fc.stringMatching(/^\/[\x21-\x7e]{0,300}$/),
  fc.constantFrom('/http/uploads/../../../etc/passwd', '//http/uploads', '/http/uploads?x=1#y'),
)
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,60}$/),
  fc.constantFrom('bytes 0-9/10', 'bytes */*', 'bytes -5-3/2', '1B2M2Y8AsgTpgAmY7PhCfg==', '=='),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')),
  fc.integer({ min: -5, max: 3 * CHUNK }).map(String),
)
const headers = fc.array(
  fc.tuple(
    fc.constantFrom(
      'Content-Type',
      'Content-Range',
      'Content-MD5',
      'Upload-Offset',
      'Authorization',
      'Origin',
      'Transfer-Encoding',
      'X-Random',
    ),
    headerValue,
  ),
  { maxLength: 4 },
)
const jsonBody = fc
  .record(
    {
      name: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('../../x'), fc.integer()),
      size: fc.oneof(fc.integer({ min: -1, max: 80 * CHUNK }), fc.double(), fc.string()),
      chunkSize: fc.oneof(fc.constant(CHUNK), fc.integer(), fc.constant(null)),
      type: fc.string({ maxLength: 20 }),
      hash: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.string({ maxLength: 40 })),
      lastModified: fc.oneof(fc.integer(), fc.string()),
    },
    { requiredKeys: [] },
  )
  .map((value) => new Uint8Array(Buffer.from(JSON.stringify(value))))
const body = fc.oneof(
  fc.constant(new Uint8Array(0)),
  jsonBody,
  fc.uint8Array({ maxLength: 4096 }),
  fc.constantFrom(CHUNK, 2 * CHUNK + 5 - 2 * CHUNK).map((n) => new Uint8Array(n).fill(0xee)),
)
const wild: fc.Arbitrary<Fuzzed> = fc.record({
  method: fc.oneof(
    fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    fc.stringMatching(/^[A-Z]{1,10}$/),
  ),
  path,
  headers: headers.map((list) =>
    // Transfer-Encoding garbage is the HTTP parser's business (400); keep it a real one.
    list.map(([n, v]): [string, string] => (n === 'Transfer-Encoding' ? [n, 'identity'] : [n, v])),
  ),
  body,
  lie: fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.integer({ min: -20, max: -1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }) },
  ),
})

/** Requests one mutation away from valid, so handlers past the validation run too. */
const nearValid: fc.Arbitrary<Fuzzed> = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 3 }),
      fc.option(headerValue, { nil: undefined }),
      fc.constantFrom(0, 0, 0, -1, 1),
    )
    .map(([which, index, md5Header, lie]) => ({
      method: 'PUT',
      path: `/http/uploads/${open[which]}/chunks/${index}`,
      headers: md5Header === undefined ? [] : [['Content-MD5', md5Header] as [string, string]],
      body: new Uint8Array(index === 2 ? 5 : CHUNK).fill(index),
      lie: lie === 1 ? 10 : lie,
    })),
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.oneof(headerValue, fc.constantFrom('0', '262144')))
    .map(([which, offset]) => ({
      method: 'PUT',
      path: `/http/uploads/${open[which]}/stream`,
      headers: [['Upload-Offset', offset] as [string, string]],
      body: new Uint8Array(1000).fill(0xab),
      lie: 0,
    })),
  fc.tuple(jsonBody, fc.constantFrom('complete', 'instant', '')).map(([json, action]) => ({
    method: 'POST',
    path: action === '' ? '/http/uploads' : `/http/uploads/${open[0]}/${action}`,
    headers: [['Content-Type', 'application/json'] as [string, string]],
    body: json,
    lie: 0,
  })),
  fc.integer({ min: 0, max: 2 }).map((which) => ({
    method: 'GET',
    path: `/http/uploads/${open[which]}`,
    headers: [],
    body: new Uint8Array(0),
    lie: null,
  })),
)
const request = fc.oneof({ weight: 3, arbitrary: wild }, { weight: 1, arbitrary: nearValid })

async function namesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(join(entry.parentPath, entry.name).slice(dir.length + 1))
  }
  return out.sort()
}

describe('HTTP chunk protocol fuzz (fast-check, seeded)', () => {
  it(`survives ${RUNS} random and malformed requests: no 5xx, no write outside the store, no damage`, async () => {
    const statuses = new Map<number | string, number>()
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const status = await send(req)
        statuses.set(status ?? 'closed', (statuses.get(status ?? 'closed') ?? 0) + 1)
        if (status !== null) {
          expect(status, `${req.method} ${req.path.slice(0, 200)}`).toBeGreaterThanOrEqual(200)
          // 503 `busy` is a correct answer to a concurrent write, never to this serial fuzz.
          expect(status, `${req.method} ${req.path.slice(0, 200)}`).toBeLessThan(500)
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )
    console.info('[fuzz] answers by status', Object.fromEntries(statuses))
    // Both outcomes occurred: the fuzz reached handlers, not only the HTTP parser.
    expect(
      [...statuses.keys()].filter((s) => typeof s === 'number' && s < 300).length,
    ).toBeGreaterThan(0)
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0)

    // Nothing outside the store, and nothing in it but what the store itself names.
    expect(await namesUnder(base)).toEqual(
      expect.arrayContaining(['outside.txt', 'store', 'store/files', 'store/uploads']),
    )
    expect(await readFile(join(base, 'outside.txt'), 'utf8')).toBe('untouched')
    for (const name of await namesUnder(base)) {
      if (['outside.txt', 'store', 'store/files', 'store/uploads'].includes(name)) continue
      const file = name.split('/').pop()!
      expect(isUploadId(file.split('.')[0]), name).toBe(true)
    }

    // The completed victim is byte-identical; the partial one kept its chunks and completes.
    const stored = await readFile(join(root, 'files', victim.complete.id))
    expect(md5(stored)).toBe(md5(victim.complete.file))
    const { id, file } = victim.partial
    const part = await readFile(join(root, 'uploads', `${id}.part`))
    expect(md5(chunk(part, 0))).toBe(md5(chunk(file, 0)))
    expect(md5(chunk(part, 2))).toBe(md5(chunk(file, 2)))
    const status = await api('GET', `/uploads/${id}`, undefined, VICTIM_TOKEN)
    expect(status.json.received).toEqual([
      [0, 1],
      [2, 3],
    ])
    for (const i of [1, 3]) {
      expect(
        (await api('PUT', `/uploads/${id}/chunks/${i}`, chunk(file, i), VICTIM_TOKEN)).status,
      ).toBe(204)
    }
    const done = await api('POST', `/uploads/${id}/complete`, { hash: md5(file) }, VICTIM_TOKEN)
    expect(done.status).toBe(200)
    expect(md5(await readFile(join(root, 'files', id)))).toBe(md5(file))
  }, 120_000)
})
