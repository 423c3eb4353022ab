/**
 * A seeded fuzz of the S3 signer's `POST /objects/batch` (small files signed as POST
 * forms), mounted as `npm run dev` mounts it, on the local S3. Properties: a body that is
 * not a list of 1-100 files with whole, in-limit sizes gets a typed 4xx and no form; a valid
 * one gets one form per file (or a typed 429 once the caller's caps are full), each pinned
 * by its signed policy to a fresh key under the signer's prefix and to the file's exact
 * size; no answer is a 5xx; and refused requests never use up the caller's caps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { raw, rawJson, startRig, type RawAnswer, type Rig } from '../testing/attack-rig'

const SEED = 0x16_2026
const MAX_FILE = 64 * 1024
const MAX_OPEN_BYTES = 256 * 1024
const MAX_BATCH = 100

let rig: Rig
let url = ''

beforeAll(async () => {
  rig = await startRig({ s3: { maxFileSize: MAX_FILE, maxOpenBytes: MAX_OPEN_BYTES } })
  url = `${rig.server.url}/s3/objects/batch`
}, 60_000)

afterAll(async () => {
  await rig?.close()
})

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The route's contract, written from its docs: which bodies must be signed. */
function wellFormed(body: unknown): body is { files: { size: number; name?: unknown }[] } {
  if (!isPlainObject(body) || !Array.isArray(body.files)) return false
  const { files } = body
  return (
    files.length >= 1 &&
    files.length <= MAX_BATCH &&
    files.every(
      (file) =>
        isPlainObject(file) &&
        typeof file.size === 'number' &&
        Number.isSafeInteger(file.size) &&
        file.size >= 0 &&
        file.size <= MAX_FILE,
    )
  )
}

const size = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 2048 }) },
  fc.integer({ min: MAX_FILE - 2, max: MAX_FILE + 2 }),
  fc.constantFrom(-1, 0.5, 2 ** 53, 1e300, Number.MAX_SAFE_INTEGER),
  fc.constantFrom('10', null, true, [], {}, '1e3'),
)
const name = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '../../etc/passwd',
    '..\\..\\x',
    'a/b/c.txt',
    'x\u0000y',
    '.',
    '..',
    '',
    '🙂.png',
  ),
  fc.constant('n'.repeat(5000)),
  fc.integer(),
)
const type = fc.oneof(
  fc.constantFrom('image/png', 'text/plain', 'a/b\r\nx-amz-acl: public-read', 'bad', ''),
  fc.string({ maxLength: 20 }),
)
const file = fc.oneof(
  { weight: 6, arbitrary: fc.record({ size, name, type }, { requiredKeys: ['size'] }) },
  fc.record({ name, type }),
  fc.anything({ maxDepth: 2 }),
)
const body = fc.oneof(
  { weight: 6, arbitrary: fc.record({ files: fc.array(file, { maxLength: 6 }) }) },
  fc.record({ files: fc.array(file, { minLength: 99, maxLength: 103 }) }),
  // Around the count limit with every file valid: only the count decides.
  fc.record({
    files: fc.array(
      fc.record({ size: fc.integer({ min: 0, max: 64 }), name: fc.string({ maxLength: 30 }) }),
      {
        minLength: MAX_BATCH - 1,
        maxLength: MAX_BATCH + 2,
      },
    ),
  }),
  fc.record({ files: fc.oneof(fc.anything({ maxDepth: 1 }), fc.constant([])) }),
  fc.jsonValue({ maxDepth: 2 }),
)

const send = (value: unknown, from: string, token?: string): Promise<RawAnswer> =>
  rawJson(url, value, { from, headers: token ? { authorization: token } : {} })

interface Form {
  key: string
  size: number
  url: string
  fields: Record<string, string>
}

/** A form as signed: its own fresh key under the prefix, its policy pinning key and size. */
function expectPinned(form: Form, wanted: number, seen: Set<string>): void {
  expect(form.key).toMatch(/^uploads\/\d{4}-\d\d-\d\d\/[\w-]{22}\/[\p{L}\p{N}._-]{1,200}$/u)
  expect(form.key.split('/')).not.toContain('..')
  expect(seen.has(form.key)).toBe(false)
  seen.add(form.key)
  expect(form.size).toBe(wanted)
  expect(form.fields.key).toBe(form.key)
  const policy = JSON.parse(Buffer.from(form.fields.policy!, 'base64').toString('utf8')) as {
    conditions: unknown[]
  }
  expect(policy.conditions).toContainEqual({ key: form.key })
  expect(policy.conditions).toContainEqual(['content-length-range', wanted, wanted])
  // Nothing the client sent is signed but the key it was given and a plain content type.
  for (const condition of policy.conditions) {
    if (isPlainObject(condition) && 'Content-Type' in condition)
      expect(condition['Content-Type']).toMatch(/^[\w.+-]+\/[\w.+-]+$/)
  }
}

describe('POST /objects/batch under fuzzing', () => {
  it('refuses every malformed batch with a typed 4xx and signs every well-formed one exactly', async () => {
    const seen = new Set<string>()
    let signed = 0
    let refused = 0
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const answer = await send(value, '127.0.0.2')
        expect(answer.status, answer.text.slice(0, 200)).toBeLessThan(500)
        if (!wellFormed(value)) {
          expect([400, 413]).toContain(answer.status)
          expect(typeof answer.json?.error?.code).toBe('string')
          expect(answer.json?.objects).toBeUndefined()
          refused++
          return
        }
        if (answer.status === 429) {
          expect(answer.json.error.code).toBe('too-many-uploads')
          return
        }
        expect(answer.status).toBe(200)
        const objects = answer.json.objects as Form[]
        expect(objects).toHaveLength(value.files.length)
        objects.forEach((form, index) => expectPinned(form, value.files[index]!.size, seen))
        signed++
      }),
      { seed: SEED, numRuns: 250 },
    )
    // The generator reached both sides of the contract.
    expect(refused).toBeGreaterThan(50)
    expect(signed).toBeGreaterThan(10)
  }, 120_000)

  it('a body that is not JSON, or not sent as JSON, is refused with a typed 4xx', async () => {
    const bodies = [
      '{',
      'files=1',
      '\u0000\u0001',
      '[',
      '"files"',
      'null',
      '{"files":[{"size":1}',
      '',
    ]
    for (const text of bodies) {
      const answer = await raw(url, {
        method: 'POST',
        from: '127.0.0.4',
        headers: { 'content-type': 'application/json' },
        body: text,
      })
      expect([400, 413], text).toContain(answer.status)
      expect(typeof answer.json?.error?.code, text).toBe('string')
    }
    const asText = await raw(url, {
      method: 'POST',
      from: '127.0.0.4',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ files: [{ size: 1 }] }),
    })
    expect(asText.status).toBe(415)
    const huge = await raw(url, {
      method: 'POST',
      from: '127.0.0.4',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ files: [{ size: 1, name: 'x'.repeat(300 * 1024) }] }),
    })
    expect(huge.status).toBe(413)
  })

  it('refused batches never use up the caller caps: a full-cap batch is signed after them', async () => {
    const token = 'Bearer fuzz-caps'
    await fc.assert(
      fc.asyncProperty(
        body.filter((value) => !wellFormed(value)),
        async (value) => {
          const answer = await send(value, '127.0.0.3', token)
          expect([400, 413]).toContain(answer.status)
        },
      ),
      { seed: SEED + 1, numRuns: 80 },
    )
    // Exactly the caller's byte cap, in four files of the largest size.
    const full = {
      files: Array.from({ length: MAX_OPEN_BYTES / MAX_FILE }, () => ({ size: MAX_FILE })),
    }
    const answer = await send(full, '127.0.0.3', token)
    expect(answer.status, answer.text).toBe(200)
    expect(answer.json.objects).toHaveLength(MAX_OPEN_BYTES / MAX_FILE)
    // The caps are live: one more byte is refused now.
    const more = await send({ files: [{ size: 1 }] }, '127.0.0.3', token)
    expect(more.status).toBe(429)
    expect(more.json.error.code).toBe('too-many-uploads')
  })
})
