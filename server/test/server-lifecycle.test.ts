import { afterEach, describe, expect, it } from 'vitest'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CHUNK,
  chunkOf,
  complete,
  createUpload,
  filesOf,
  getStatus,
  md5Hex,
  putChunk,
  randomFile,
  startTestServer,
} from '../testing/harness'
import type { TestServer } from '../testing/harness'

let server: TestServer | undefined
afterEach(async () => {
  await server?.dispose()
  server = undefined
})

const abort = (s: TestServer, id: string) =>
  fetch(`${s.httpUrl}/uploads/${id}`, { method: 'DELETE' })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('reference server: lifecycle', () => {
  it('abort removes every file of the upload, and repeating it is fine', async () => {
    const s = (server = await startTestServer())
    const file = randomFile(3 * CHUNK)
    const id = (await createUpload(s, file)).body.id as string
    await putChunk(s, id, 1, chunkOf(file, 1))
    expect((await filesOf(s, 'uploads', id)).sort()).toEqual([`${id}.json`, `${id}.part`])
    expect((await abort(s, id)).status).toBe(204)
    expect(await filesOf(s, 'uploads', id)).toEqual([])
    expect((await abort(s, id)).status).toBe(204)
    expect((await getStatus(s, id)).status).toBe(404)
    expect((await putChunk(s, id, 0, chunkOf(file, 0))).status).toBe(404)
  })

  it('abort of a completed upload deletes the stored file', async () => {
    const s = (server = await startTestServer())
    const file = randomFile(CHUNK)
    const id = (await createUpload(s, file)).body.id as string
    await putChunk(s, id, 0, file)
    await complete(s, id)
    expect((await filesOf(s, 'files', id)).sort()).toEqual([id, `${id}.json`])
    expect((await abort(s, id)).status).toBe(204)
    expect(await filesOf(s, 'files', id)).toEqual([])
    expect((await createUpload(s, file, { hash: md5Hex(file) })).status).toBe(201)
  })

  it('answers 410 for an expired upload, and the sweep removes it', async () => {
    const s = (server = await startTestServer({ expiresInMs: 1000, sweepIntervalMs: 60_000 }))
    const file = randomFile(2 * CHUNK)
    const id = (await createUpload(s, file)).body.id as string
    const done = (await createUpload(s, file)).body.id as string
    await putChunk(s, id, 0, chunkOf(file, 0))
    await putChunk(s, done, 0, chunkOf(file, 0))
    await putChunk(s, done, 1, chunkOf(file, 1))
    await complete(s, done)
    await sleep(1100)
    for (const res of [
      await getStatus(s, id),
      await putChunk(s, id, 1, chunkOf(file, 1)),
      await complete(s, id),
    ]) {
      expect(res.status).toBe(410)
      expect(res.body.error.code).toBe('expired')
    }
    expect(await s.server.sweep()).toBe(1)
    expect((await getStatus(s, id)).status).toBe(404)
    expect(await filesOf(s, 'uploads', id)).toEqual([])
    // Completed files never expire.
    expect((await getStatus(s, done)).body.complete).toBe(true)
  })

  it('pushes expiry forward while chunks keep arriving', async () => {
    const s = (server = await startTestServer({ expiresInMs: 1500 }))
    const file = randomFile(3 * CHUNK)
    const id = (await createUpload(s, file)).body.id as string
    for (const i of [0, 1, 2]) {
      await sleep(700)
      expect((await putChunk(s, id, i, chunkOf(file, i))).status).toBe(204)
    }
    expect((await complete(s, id)).status).toBe(200)
  })

  it('keeps received chunks across a restart on the same store', async () => {
    let s = (server = await startTestServer())
    const file = randomFile(4 * CHUNK + 99)
    const created = (await createUpload(s, file)).body
    const id = created.id as string
    await putChunk(s, id, 0, chunkOf(file, 0))
    await putChunk(s, id, 3, chunkOf(file, 3))
    await s.close()
    s = server = await s.restart()
    expect((await getStatus(s, id)).body).toMatchObject({
      received: [
        [0, 1],
        [3, 4],
      ],
      expiresAt: expect.any(Number),
    })
    for (const i of [1, 2, 4]) await putChunk(s, id, i, chunkOf(file, i))
    expect((await complete(s, id, md5Hex(file))).status).toBe(200)
    await s.close()
    s = server = await s.restart()
    expect((await getStatus(s, id)).body).toMatchObject({
      complete: true,
      result: { hash: md5Hex(file) },
    })
  })

  it('cleans what an interrupted run left behind when it starts', async () => {
    const s = (server = await startTestServer())
    const file = randomFile(CHUNK)
    const id = (await createUpload(s, file)).body.id as string
    await s.close()
    const { writeFile } = await import('node:fs/promises')
    const orphan = 'B'.repeat(24)
    await writeFile(join(s.root, 'uploads', `${orphan}.part`), 'x')
    await writeFile(join(s.root, 'uploads', `${id}.json.tmp`), '{')
    await writeFile(join(s.root, 'uploads', 'README'), 'not ours')
    server = await s.restart()
    expect((await readdir(join(s.root, 'uploads'))).sort()).toEqual(
      [`${id}.json`, `${id}.part`, 'README'].sort(),
    )
    expect((await getStatus(server, id)).status).toBe(200)
  })
})
