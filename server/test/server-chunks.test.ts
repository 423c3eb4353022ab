import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CHUNK,
  chunkOf,
  complete,
  createUpload,
  filesOf,
  getStatus,
  md5Base64,
  md5Hex,
  putChunk,
  randomFile,
} from '../testing/harness'
import { serverPerTest } from '../testing/fixtures'
import type { TestServer } from '../testing/harness'

let server: TestServer
serverPerTest((started) => (server = started))

describe('reference server: chunk PUTs', () => {
  it('creates, receives chunks in any order and in parallel, completes with the right MD5', async () => {
    const file = randomFile(5 * CHUNK + 1234)
    const created = await createUpload(server, file)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      chunkSize: CHUNK,
      chunkCount: 6,
      received: [],
      duplicateCandidate: false,
    })
    expect(created.body.id).toMatch(/^[A-Za-z0-9_-]{24}$/)
    const id = created.body.id as string

    expect((await putChunk(server, id, 5, chunkOf(file, 5))).status).toBe(204)
    expect((await putChunk(server, id, 2, chunkOf(file, 2))).status).toBe(204)
    const partial = await getStatus(server, id)
    expect(partial.body).toMatchObject({
      id,
      size: file.length,
      chunkCount: 6,
      received: [
        [2, 3],
        [5, 6],
      ],
      complete: false,
    })

    const early = await complete(server, id)
    expect(early.status).toBe(409)
    expect(early.body.error).toMatchObject({
      code: 'incomplete',
      missing: [
        [0, 2],
        [3, 5],
      ],
    })

    const rest = await Promise.all(
      [0, 1, 3, 4].map((i) =>
        putChunk(server, id, i, chunkOf(file, i), { 'content-md5': md5Base64(chunkOf(file, i)) }),
      ),
    )
    expect(rest.map((r) => r.status)).toEqual([204, 204, 204, 204])

    const done = await complete(server, id, md5Hex(file))
    expect(done.status).toBe(200)
    expect(done.body).toEqual({
      id,
      size: file.length,
      hash: md5Hex(file),
      name: 'data.bin',
      instant: false,
    })
    expect(md5Hex(await readFile(join(server.root, 'files', id)))).toBe(md5Hex(file))
    expect(await filesOf(server, 'uploads', id)).toEqual([])

    const status = await getStatus(server, id)
    expect(status.body).toMatchObject({ complete: true, received: [[0, 6]], result: done.body })
  })

  it('is idempotent: re-sent chunks and repeated completes give the same answers', async () => {
    const file = randomFile(2 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    for (const i of [0, 1, 1, 0])
      expect((await putChunk(server, id, i, chunkOf(file, i))).status).toBe(204)
    const [a, b] = await Promise.all([complete(server, id), complete(server, id)])
    expect(a).toMatchObject({ status: 200, body: { hash: md5Hex(file) } })
    expect(b.body).toEqual(a.body)
    expect((await complete(server, id, md5Hex(file))).body).toEqual(a.body)
    // A chunk re-sent after completion (its first answer was lost) is still acknowledged.
    expect((await putChunk(server, id, 1, chunkOf(file, 1))).status).toBe(204)
    expect(md5Hex(await readFile(join(server.root, 'files', id)))).toBe(md5Hex(file))
  })

  it('a re-sent held chunk never overwrites what was acknowledged', async () => {
    const file = randomFile(2 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    await putChunk(server, id, 0, chunkOf(file, 0))
    await putChunk(server, id, 1, chunkOf(file, 1))
    expect((await putChunk(server, id, 0, Buffer.alloc(CHUNK, 1))).status).toBe(204)
    expect((await complete(server, id)).body.hash).toBe(md5Hex(file))
  })

  it('refuses a chunk of the wrong length with 400 chunk-size-mismatch', async () => {
    const file = randomFile(CHUNK + 100)
    const id = (await createUpload(server, file)).body.id as string
    const short = await putChunk(server, id, 0, chunkOf(file, 0).subarray(0, 1000))
    expect(short.status).toBe(400)
    expect(short.body.error.code).toBe('chunk-size-mismatch')
    const long = await putChunk(server, id, 1, Buffer.alloc(101))
    expect(long.body.error.code).toBe('chunk-size-mismatch')
    expect((await getStatus(server, id)).body.received).toEqual([])
    // The same connection still works after a refused body.
    expect((await putChunk(server, id, 1, chunkOf(file, 1))).status).toBe(204)
  })

  it('refuses a chunk whose Content-MD5 does not match, and does not record it', async () => {
    const file = randomFile(2 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    const bad = await putChunk(server, id, 0, chunkOf(file, 0), {
      'content-md5': md5Base64(chunkOf(file, 1)),
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('bad-digest')
    expect((await getStatus(server, id)).body.received).toEqual([])
    const malformed = await putChunk(server, id, 0, chunkOf(file, 0), {
      'content-md5': 'not-base64',
    })
    expect(malformed.body.error.code).toBe('bad-request')
    expect(
      (
        await putChunk(server, id, 0, chunkOf(file, 0), {
          'content-md5': md5Base64(chunkOf(file, 0)),
        })
      ).status,
    ).toBe(204)
    expect((await getStatus(server, id)).body.received).toEqual([[0, 1]])
  })

  it('refuses chunk indices out of range', async () => {
    const file = randomFile(CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    for (const index of ['1', '-1', '01', 'x', '99999999999']) {
      const res = await fetch(`${server.httpUrl}/uploads/${id}/chunks/${index}`, {
        method: 'PUT',
        body: Buffer.alloc(10),
      })
      expect(res.status, index).toBe(400)
      expect((await res.json()).error.code).toBe('bad-request')
    }
  })

  it('keeps the upload when the client hash differs (422 hash-mismatch)', async () => {
    const file = randomFile(CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    await putChunk(server, id, 0, file)
    const wrong = await complete(server, id, '0'.repeat(32))
    expect(wrong.status).toBe(422)
    expect(wrong.body.error).toMatchObject({ code: 'hash-mismatch', hash: md5Hex(file) })
    expect((await getStatus(server, id)).body).toMatchObject({
      complete: false,
      received: [[0, 1]],
    })
    expect((await complete(server, id, md5Hex(file))).status).toBe(200)
  })

  it('completes a zero-byte file without chunks', async () => {
    const id = (await createUpload(server, Buffer.alloc(0))).body.id as string
    expect((await getStatus(server, id)).body).toMatchObject({ chunkCount: 0, received: [] })
    expect((await complete(server, id)).body).toMatchObject({
      size: 0,
      hash: md5Hex(Buffer.alloc(0)),
    })
  })
})
