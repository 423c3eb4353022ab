/**
 * A property over the three endpoints (HTTP chunk routes, tus, the S3 signer on the local
 * S3), small-file routes included (HTTP `PUT /uploads` and `PUT /uploads/batch`, the signer's `POST /objects` and
 * `POST /objects/batch`): whatever identity B sends, even knowing identity A's upload ids,
 * no request of B changes, reads or reveals A's uploads. B is another token, an anonymous client on
 * another address, or an anonymous client on A's address (A uses a token).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  raw,
  rawJson,
  startRig,
  tusHeaders,
  type RawAnswer,
  type Rig,
} from '../../server/testing/attack-rig'
import { CHUNK } from '../../server/testing/harness'

const ALICE = 'Bearer alice'
const SECRET_NAME = 'alice-secret.bin'
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')
const bytes = (size: number, salt: number) =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + salt) % 251))

let rig: Rig
const a = {
  file: bytes(CHUNK + 100, 1),
  httpOpen: '',
  httpDone: '',
  tusOpen: '',
  tusDone: '',
  s3: '',
  s3Key: '',
  etag: '',
  /** A small file stored whole by `PUT /uploads`, and one posted to S3 as a batch-signed form. */
  small: bytes(3000, 5),
  httpSmall: '',
  s3SmallKey: '',
}
const s3Part = bytes(64 * 1024, 3)

interface Who {
  token?: string
  from?: string
}
const as = (who: Who, headers: Record<string, string> = {}) => ({
  from: who.from,
  headers: { ...(who.token ? { authorization: who.token } : {}), ...headers },
})

beforeAll(async () => {
  rig = await startRig()
  const http = `${rig.server.httpUrl}/uploads`
  const alice = as({ token: ALICE })
  const create = async () =>
    (
      await rawJson(
        http,
        { name: SECRET_NAME, size: a.file.length, chunkSize: CHUNK, fingerprint: md5(a.file) },
        alice,
      )
    ).json.id as string
  a.httpOpen = await create()
  await raw(`${http}/${a.httpOpen}/chunks/0`, {
    method: 'PUT',
    ...alice,
    body: a.file.subarray(0, CHUNK),
  })
  a.httpDone = await create()
  for (const i of [0, 1]) {
    await raw(`${http}/${a.httpDone}/chunks/${i}`, {
      method: 'PUT',
      ...alice,
      body: a.file.subarray(i * CHUNK, (i + 1) * CHUNK),
    })
  }
  expect((await rawJson(`${http}/${a.httpDone}/complete`, {}, alice)).status).toBe(200)
  const tus = async (finish: boolean) => {
    const res = await raw(`${rig.server.url}/tus`, {
      method: 'POST',
      headers: tusHeaders(ALICE, {
        'upload-length': '10',
        'upload-metadata': `filename ${Buffer.from(SECRET_NAME).toString('base64')}`,
      }),
    })
    const url = String(res.headers.location)
    await raw(url, {
      method: 'PATCH',
      headers: tusHeaders(ALICE, {
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      }),
      body: a.file.subarray(0, finish ? 10 : 5),
    })
    return url
  }
  a.tusOpen = await tus(false)
  a.tusDone = await tus(true)
  const s3 = await rawJson(
    `${rig.server.url}/s3/uploads`,
    { name: SECRET_NAME, size: 2 * s3Part.length, partSize: s3Part.length },
    alice,
  )
  a.s3 = encodeURIComponent(s3.json.id)
  a.s3Key = s3.json.key
  const signed = await rawJson(`${rig.server.url}/s3/uploads/${a.s3}/parts/1`, {}, alice)
  const put = await fetch(signed.json.url, { method: 'PUT', body: s3Part })
  a.etag = String(put.headers.get('etag')).replace(/"/g, '')

  const small = await raw(http, {
    method: 'PUT',
    ...as(
      { token: ALICE },
      {
        'content-type': 'application/octet-stream',
        'upload-info': encodeURIComponent(
          JSON.stringify({ name: SECRET_NAME, size: a.small.length, hash: md5(a.small) }),
        ),
      },
    ),
    body: a.small,
  })
  expect(small.status).toBe(201)
  a.httpSmall = small.json.id
  const batch = await rawJson(
    `${rig.server.url}/s3/objects/batch`,
    { files: [{ name: SECRET_NAME, size: a.small.length, type: 'application/octet-stream' }] },
    alice,
  )
  expect(batch.status).toBe(200)
  const [form] = batch.json.objects as {
    url: string
    key: string
    fields: Record<string, string>
  }[]
  const body = new FormData()
  for (const [name, value] of Object.entries(form!.fields)) body.append(name, value)
  body.append('file', new Blob([a.small]), 'blob')
  expect((await fetch(form!.url, { method: 'POST', body })).ok).toBe(true)
  a.s3SmallKey = form!.key
}, 60_000)

afterAll(async () => {
  await rig?.close()
})

/** Everything A can see of its uploads, and their bytes on disk. */
async function aliceView(): Promise<unknown> {
  const alice = as({ token: ALICE })
  const http = `${rig.server.httpUrl}/uploads`
  const tusHead = async (url: string) => {
    const res = await raw(url, { method: 'HEAD', headers: tusHeaders(ALICE) })
    return [res.status, res.headers['upload-offset']]
  }
  const tusFile = (url: string) => readFile(join(rig.base, 'tus', url.split('/').pop()!))
  return {
    httpOpen: (await raw(`${http}/${a.httpOpen}`, alice)).json,
    httpDone: (await raw(`${http}/${a.httpDone}`, alice)).json,
    httpPart: md5(await readFile(join(rig.base, 'http', 'uploads', `${a.httpOpen}.part`))),
    httpFile: md5(await readFile(join(rig.base, 'http', 'files', a.httpDone))),
    tusOpen: await tusHead(a.tusOpen),
    tusDone: await tusHead(a.tusDone),
    tusBytes: [md5(await tusFile(a.tusOpen)), md5(await tusFile(a.tusDone))],
    s3: (await raw(`${rig.server.url}/s3/uploads/${a.s3}/parts`, alice)).json,
    httpSmall: (await raw(`${http}/${a.httpSmall}`, alice)).json,
    httpSmallFile: md5(await readFile(join(rig.base, 'http', 'files', a.httpSmall))),
    s3Small: md5(
      await readFile(join(rig.s3.directory, rig.s3.bucket, `${a.s3SmallKey}._S3rver_object`)),
    ),
  }
}

type Action = (who: Who) => Promise<RawAnswer>
const http = () => `${rig.server.httpUrl}/uploads`
const tusOf = (which: 'open' | 'done', suffix: string) =>
  (which === 'open' ? a.tusOpen : a.tusDone) + suffix
const httpId = fc.constantFrom<'open' | 'done'>('open', 'done')
const pick = (which: 'open' | 'done') => (which === 'open' ? a.httpOpen : a.httpDone)

const actions: fc.Arbitrary<[string, Action]> = fc.oneof(
  httpId.map((w): [string, Action] => ['http GET', (who) => raw(`${http()}/${pick(w)}`, as(who))]),
  httpId.map((w): [string, Action] => [
    'http DELETE',
    (who) => raw(`${http()}/${pick(w)}`, { method: 'DELETE', ...as(who) }),
  ]),
  fc.tuple(httpId, fc.integer({ min: 0, max: 1 })).map(([w, i]): [string, Action] => [
    'http PUT chunk',
    (who) =>
      raw(`${http()}/${pick(w)}/chunks/${i}`, {
        method: 'PUT',
        ...as(who),
        body: bytes(i === 0 ? CHUNK : 100, 9),
      }),
  ]),
  httpId.map((w): [string, Action] => [
    'http PUT stream',
    (who) =>
      raw(`${http()}/${pick(w)}/stream`, {
        method: 'PUT',
        ...as(who, { 'upload-offset': String(CHUNK) }),
        body: bytes(100, 9),
      }),
  ]),
  fc
    .tuple(httpId, fc.constantFrom('complete', 'instant'))
    .map(([w, act]): [string, Action] => [
      `http POST ${act}`,
      (who) => rawJson(`${http()}/${pick(w)}/${act}`, { hash: md5(a.file) }, as(who)),
    ]),
  fc.constant<[string, Action]>([
    'http POST create with A’s hash',
    (who) =>
      rawJson(
        http(),
        {
          name: 'b.bin',
          size: a.file.length,
          chunkSize: CHUNK,
          hash: md5(a.file),
          fingerprint: md5(a.file),
        },
        as(who),
      ),
  ]),
  fc
    .tuple(
      fc.constantFrom<'open' | 'done'>('open', 'done'),
      fc.constantFrom('', '.json'),
      fc.constantFrom('HEAD', 'GET', 'DELETE', 'PATCH'),
    )
    .map(([w, suffix, method]): [string, Action] => [
      `tus ${method}${suffix}`,
      (who) =>
        raw(tusOf(w, suffix), {
          method,
          from: who.from,
          headers: tusHeaders(who.token, {
            'upload-offset': '5',
            'content-type': 'application/offset+octet-stream',
          }),
          body: method === 'PATCH' ? bytes(5, 9) : undefined,
        }),
    ]),
  fc
    .constantFrom('GET', 'DELETE')
    .map((method): [string, Action] => [
      `http ${method} small`,
      (who) => raw(`${http()}/${a.httpSmall}`, { method, ...as(who) }),
    ]),
  fc.constant<[string, Action]>([
    'http PUT small (create)',
    (who) => {
      const own = bytes(a.small.length, 11)
      return raw(http(), {
        method: 'PUT',
        ...as(who, {
          'content-type': 'application/octet-stream',
          'upload-info': encodeURIComponent(
            JSON.stringify({ name: 'b.bin', size: own.length, hash: md5(own) }),
          ),
        }),
        body: own,
      })
    },
  ]),
  fc.constant<[string, Action]>([
    'http PUT batch (create)',
    async (who) => {
      const files = [bytes(a.small.length, 12), bytes(700, 13)]
      const form = new FormData()
      form.append(
        'manifest',
        JSON.stringify({
          files: files.map((own, i) => ({ name: `b${i}.bin`, size: own.length, hash: md5(own) })),
        }),
      )
      for (const own of files) form.append('file', new Blob([own]))
      // The form's bytes and its boundary, as the platform encodes them.
      const encoded = new Response(form)
      const type = encoded.headers.get('content-type')!
      const body = new Uint8Array(await encoded.arrayBuffer())
      return raw(`${http()}/batch`, { method: 'PUT', ...as(who, { 'content-type': type }), body })
    },
  ]),
  fc.constantFrom('/objects', '/objects/batch').map((route): [string, Action] => [
    `s3 POST ${route} (create)`,
    (who) => {
      const file = { name: 'b.bin', size: a.small.length, type: 'application/octet-stream' }
      return rawJson(
        `${rig.server.url}/s3${route}`,
        route === '/objects' ? file : { files: [file, file] },
        as(who),
      )
    },
  ]),
  fc
    .constantFrom('/parts', '/parts/1', '/parts/2', '/complete', '')
    .map((tail): [string, Action] => [
      `s3 ${tail || 'DELETE'}`,
      (who) => {
        const url = `${rig.server.url}/s3/uploads/${a.s3}${tail}`
        if (tail === '') return raw(url, { method: 'DELETE', ...as(who) })
        if (tail === '/parts') return raw(url, as(who))
        const parts = [{ partNumber: 1, etag: a.etag }]
        return rawJson(url, tail === '/complete' ? { parts } : {}, as(who))
      },
    ]),
)

const others: fc.Arbitrary<Who> = fc.constantFrom<Who>(
  { token: 'Bearer bob' },
  { token: 'alice' },
  { from: '127.0.0.2' },
  {}, // anonymous, on A's own address
)

describe('cross-identity property (fast-check, seeded)', () => {
  it('no request from identity B changes, reads or reveals identity A’s uploads', async () => {
    const before = await aliceView()
    await fc.assert(
      fc.asyncProperty(
        others,
        fc.array(actions, { minLength: 1, maxLength: 4 }),
        async (who, list) => {
          for (const [label, act] of list) {
            const res = await act(who)
            const what = `${label} as ${JSON.stringify(who)}`
            // Refused as unknown (HTTP DELETE is idempotent: 204, touching nothing), or, for a
            // create, a fresh upload of B's own (or B's cap).
            // A signature is a 200 (a fresh key of B's own, never one B chose).
            const allowed = label.includes('create')
              ? [label.startsWith('s3') || label.includes('batch') ? 200 : 201, 429]
              : label.startsWith('http DELETE')
                ? [204]
                : [404]
            expect(allowed, `${what}: ${res.status} ${res.text.slice(0, 200)}`).toContain(
              res.status,
            )
            for (const secret of [
              SECRET_NAME,
              md5(a.file),
              a.etag,
              a.s3Key,
              md5(a.small),
              a.s3SmallKey,
            ]) {
              expect(res.text.includes(secret), `${what} reveals ${secret}`).toBe(false)
            }
            if (res.status === 200 && label.startsWith('s3 POST /objects')) {
              const keys: unknown[] = res.json.objects?.map((o: { key: unknown }) => o.key) ?? [
                res.json.key,
              ]
              // Every key is new: B's form or URL can never land on an object A holds.
              for (const key of keys) expect(String(key), what).not.toBe(a.s3SmallKey)
              expect(new Set(keys).size, what).toBe(keys.length)
            }
            if (res.status === 201) {
              expect(res.json.instant ?? false, what).toBe(false)
              expect(res.json.duplicateCandidate ?? false, what).toBe(false)
            }
            if (res.status === 200 && label === 'http PUT batch (create)') {
              // Each file is B's own, fresh: stored (or refused for B's cap), never A's.
              const answers = res.json.files as {
                status: number
                file?: { id: string; instant?: boolean }
              }[]
              expect(
                answers.map((f) => f.status).every((st) => st === 201 || st === 429),
                what,
              ).toBe(true)
              const ids = answers.flatMap((f) => (f.file ? [f.file.id] : []))
              for (const id of ids)
                expect([a.httpOpen, a.httpDone, a.httpSmall], what).not.toContain(id)
              expect(new Set(ids).size, what).toBe(ids.length)
              for (const f of answers) expect(f.file?.instant ?? false, what).toBe(false)
            }
          }
          expect(await aliceView()).toEqual(before)
        },
      ),
      { numRuns: 80, seed: 0x14_1402, endOnFailure: true },
    )
  }, 120_000)
})
