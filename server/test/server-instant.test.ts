import { describe, expect, it } from 'vitest'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CHUNK,
  chunkOf,
  complete,
  createUpload,
  filesOf,
  getStatus,
  md5Hex,
  postJson,
  putChunk,
  randomFile,
} from '../testing/harness'
import { serverPerTest } from '../testing/fixtures'
import type { TestServer } from '../testing/harness'

let server: TestServer
serverPerTest((started) => (server = started))

/** Uploads `file` through chunk PUTs and completes it; returns its id. */
async function store(file: Buffer, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await createUpload(server, file, extra)
  const id = created.body.id as string
  for (let i = 0; i < created.body.chunkCount; i++) await putChunk(server, id, i, chunkOf(file, i))
  expect((await complete(server, id)).status).toBe(200)
  return id
}

describe('reference server: instant upload', () => {
  it('completes at create when the store holds a file with this hash and size', async () => {
    const file = randomFile(3 * CHUNK + 5)
    const first = await store(file)
    const again = await createUpload(server, file, { name: 'copy.bin', hash: md5Hex(file) })
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({
      size: file.length,
      hash: md5Hex(file),
      name: 'copy.bin',
      instant: true,
    })
    const id = again.body.id as string
    expect(id).not.toBe(first)
    expect(md5Hex(await readFile(join(server.root, 'files', id)))).toBe(md5Hex(file))
    // A hard link: the bytes are stored once.
    expect((await stat(join(server.root, 'files', id))).nlink).toBe(2)
    expect((await getStatus(server, id)).body).toMatchObject({ complete: true, result: again.body })
    // Deleting the original leaves the copy whole and still findable by hash.
    expect((await fetch(`${server.httpUrl}/uploads/${first}`, { method: 'DELETE' })).status).toBe(
      204,
    )
    const third = await createUpload(server, file, { hash: md5Hex(file) })
    expect(third.body.instant).toBe(true)
  })

  it('creates a normal upload when the hash is unknown or the size differs', async () => {
    const file = randomFile(CHUNK)
    await store(file)
    const other = await createUpload(server, randomFile(CHUNK + 1), { hash: md5Hex(file) })
    expect(other.status).toBe(201)
    const unknown = await createUpload(server, file, { hash: '0'.repeat(32) })
    expect(unknown.status).toBe(201)
  })

  it('claims a stored file for an existing upload through /instant', async () => {
    const file = randomFile(2 * CHUNK)
    await store(file)
    const created = await createUpload(server, file)
    const id = created.body.id as string
    await putChunk(server, id, 0, chunkOf(file, 0))
    const miss = await postJson(`${server.httpUrl}/uploads/${id}/instant`, { hash: 'f'.repeat(32) })
    expect(miss).toMatchObject({ status: 200, body: { instant: false } })
    const hit = await postJson(`${server.httpUrl}/uploads/${id}/instant`, { hash: md5Hex(file) })
    expect(hit).toMatchObject({ status: 200, body: { id, hash: md5Hex(file), instant: true } })
    expect(await filesOf(server, 'uploads', id)).toEqual([])
    expect(md5Hex(await readFile(join(server.root, 'files', id)))).toBe(md5Hex(file))
    // Repeating the claim, or completing, answers the same result.
    expect(
      (await postJson(`${server.httpUrl}/uploads/${id}/instant`, { hash: md5Hex(file) })).body,
    ).toEqual(hit.body)
    expect((await complete(server, id)).body).toEqual(hit.body)
    const bad = await postJson(`${server.httpUrl}/uploads/${id}/instant`, { hash: 'nope' })
    expect(bad.body.error.code).toBe('bad-request')
  })

  it('flags a duplicate candidate when a stored file has the same size and fingerprint', async () => {
    const file = randomFile(2 * CHUNK)
    await store(file, { fingerprint: 'sampled-abc' })
    expect(
      (await createUpload(server, file, { fingerprint: 'sampled-abc' })).body.duplicateCandidate,
    ).toBe(true)
    expect(
      (await createUpload(server, file, { fingerprint: 'sampled-xyz' })).body.duplicateCandidate,
    ).toBe(false)
    expect(
      (await createUpload(server, randomFile(CHUNK), { fingerprint: 'sampled-abc' })).body
        .duplicateCandidate,
    ).toBe(false)
  })

  it('finds stored files again after a restart (the index is rebuilt from disk)', async () => {
    const file = randomFile(CHUNK + 1)
    await store(file, { fingerprint: 'fp-1' })
    await server.close()
    server = await server.restart()
    expect(
      (await createUpload(server, file, { fingerprint: 'fp-1' })).body.duplicateCandidate,
    ).toBe(true)
    expect((await createUpload(server, file, { hash: md5Hex(file) })).body.instant).toBe(true)
  })
})
