import { describe, expect, it } from 'vitest'
import { request } from 'node:http'
import {
  CHUNK,
  chunkOf,
  complete,
  createUpload,
  eventually,
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

/**
 * Sends the first `sent` bytes of a body declaring `length` bytes to `path`, waits until the
 * server has read them (the status shows `ready`), then drops the connection.
 */
async function cutBody(
  path: string,
  body: Uint8Array,
  sent: number,
  headers: Record<string, string>,
): Promise<void> {
  const req = request(new URL(`${server.httpUrl}${path}`), {
    method: 'PUT',
    headers: {
      'content-length': String(body.length),
      'content-type': 'application/octet-stream',
      ...headers,
    },
  })
  req.on('error', () => undefined) // the destroy below is the point
  await new Promise<void>((resolve) => req.write(body.subarray(0, sent), () => resolve()))
  // Let the server read what the kernel holds before the connection goes.
  await new Promise((resolve) => setTimeout(resolve, 200))
  req.destroy()
}

const partialOf = async (id: string) =>
  (await getStatus(server, id)).body.partial as { index: number; offset: number }[]

/** The chunk's bytes from `offset`, sent as the rest of a partly held chunk. */
const resumeChunk = (id: string, file: Buffer, index: number, offset: number) =>
  putChunk(server, id, index, chunkOf(file, index).subarray(offset), {
    'upload-offset': String(offset),
  })

describe('reference server: partial chunks', () => {
  it('keeps the bytes of the chunk a cut stream was in, and takes the rest of it with Upload-Offset', async () => {
    const file = randomFile(6 * CHUNK + 999)
    const id = (await createUpload(server, file)).body.id as string
    await cutBody(`/uploads/${id}/stream`, file, 2 * CHUNK + 1000, { 'upload-offset': '0' })
    await eventually(async () => (await partialOf(id)).length > 0)
    const status = (await getStatus(server, id)).body
    expect(status.received).toEqual([[0, 2]])
    expect(status.partial).toEqual([{ index: 2, offset: 1000 }])

    await eventually(async () => (await resumeChunk(id, file, 2, 1000)).status === 204)
    expect((await getStatus(server, id)).body).toMatchObject({ received: [[0, 3]], partial: [] })
    for (let i = 3; i < 7; i++) await putChunk(server, id, i, chunkOf(file, i))
    const done = await complete(server, id, md5Hex(file))
    expect(done.status).toBe(200)
    expect(done.body.hash).toBe(md5Hex(file))
  })

  it('keeps the prefix of a cut chunk PUT, resumed twice', async () => {
    const file = randomFile(2 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    const chunk = chunkOf(file, 1)
    await cutBody(`/uploads/${id}/chunks/1`, chunk, 5000, {})
    await eventually(async () => (await partialOf(id)).length > 0)
    expect(await partialOf(id)).toEqual([{ index: 1, offset: 5000 }])
    // Cut again on the way from there: the prefix grows by what arrived.
    await cutBody(`/uploads/${id}/chunks/1`, chunk.subarray(5000), 7000, {
      'upload-offset': '5000',
    })
    await eventually(async () => (await partialOf(id))[0]?.offset === 12_000)
    // The claim may outlive the prefix's record by a moment (503 busy): a client retries.
    await eventually(async () => (await resumeChunk(id, file, 1, 12_000)).status === 204)
    await putChunk(server, id, 0, chunkOf(file, 0))
    expect((await complete(server, id, md5Hex(file))).body.hash).toBe(md5Hex(file))
  })

  it('answers 409 offset-mismatch with its own offset for any other, and takes the whole chunk', async () => {
    const file = randomFile(2 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    await cutBody(`/uploads/${id}/chunks/0`, chunkOf(file, 0), 3000, {})
    await eventually(async () => (await partialOf(id)).length > 0)
    await eventually(async () => (await resumeChunk(id, file, 0, 2000)).status === 409)
    for (const offset of [2000, 4000]) {
      const res = await resumeChunk(id, file, 0, offset)
      expect(res.status).toBe(409)
      expect(res.body.error).toMatchObject({ code: 'offset-mismatch', offset: 3000 })
    }
    // No partial at all on chunk 1: any offset there is a mismatch too.
    expect((await resumeChunk(id, file, 1, 10)).body.error).toMatchObject({
      code: 'offset-mismatch',
      offset: 0,
    })
    expect((await putChunk(server, id, 0, chunkOf(file, 0))).status).toBe(204)
    await putChunk(server, id, 1, chunkOf(file, 1))
    expect((await complete(server, id, md5Hex(file))).body.hash).toBe(md5Hex(file))
  })

  it('refuses offsets outside the chunk and lengths that do not match them', async () => {
    const file = randomFile(2 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    for (const bad of [String(CHUNK), '-1', 'x', '1e3']) {
      const res = await putChunk(server, id, 0, Buffer.alloc(10), { 'upload-offset': bad })
      expect(res.status, bad).toBe(400)
      expect(res.body.error.code).toBe('bad-offset')
    }
    const res = await putChunk(server, id, 0, chunkOf(file, 0), { 'upload-offset': '100' })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('chunk-size-mismatch')
  })

  it('keeps nothing of a cut chunk that carried a Content-MD5 (its prefix cannot be checked)', async () => {
    const file = randomFile(CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    const chunk = chunkOf(file, 0)
    await cutBody(`/uploads/${id}/chunks/0`, chunk, 5000, { 'content-md5': md5Base64(chunk) })
    // The claim is released once the server saw the cut: the chunk is free again.
    await eventually(async () => (await putChunk(server, id, 0, chunk)).status === 204)
    expect(await partialOf(id)).toEqual([])
  })

  it('forgets partial chunks across a restart: they are sent whole', async () => {
    const file = randomFile(CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    await cutBody(`/uploads/${id}/chunks/0`, chunkOf(file, 0), 4000, {})
    await eventually(async () => (await partialOf(id)).length > 0)
    await server.close()
    server = await server.restart()
    expect(await partialOf(id)).toEqual([])
    expect((await resumeChunk(id, file, 0, 4000)).status).toBe(409)
    expect((await putChunk(server, id, 0, chunkOf(file, 0))).status).toBe(204)
    expect((await complete(server, id, md5Hex(file))).body.hash).toBe(md5Hex(file))
  })
})
