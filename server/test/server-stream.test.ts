import { describe, expect, it } from 'vitest'
import { request } from 'node:http'
import {
  CHUNK,
  chunkOf,
  complete,
  createUpload,
  eventually,
  getStatus,
  md5Hex,
  putChunk,
  randomFile,
} from '../testing/harness'
import { serverPerTest } from '../testing/fixtures'
import type { TestServer } from '../testing/harness'

let server: TestServer
serverPerTest((started) => (server = started))

const putStream = (id: string, body: Uint8Array, offset: number | string = 0) =>
  fetch(`${server.httpUrl}/uploads/${id}/stream`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'upload-offset': String(offset) },
    body: body as Uint8Array<ArrayBuffer>,
  })

/** Sends the first `sent` bytes of a stream body that declares the whole file; returns the open request. */
async function partialStream(id: string, file: Buffer, sent: number) {
  const url = new URL(`${server.httpUrl}/uploads/${id}/stream`)
  const req = request(url, {
    method: 'PUT',
    headers: {
      'content-length': String(file.length),
      'upload-offset': '0',
      'content-type': 'application/octet-stream',
    },
  })
  req.on('error', () => undefined) // the destroy below is the point
  await new Promise<void>((resolve) => req.write(file.subarray(0, sent), () => resolve()))
  return req
}

/** Sends the first `sent` bytes of a stream body, then drops the connection. */
async function cutStream(id: string, file: Buffer, sent: number): Promise<void> {
  ;(await partialStream(id, file, sent)).destroy()
}

describe('reference server: stream route', () => {
  it('receives a whole file in one request and answers the status body', async () => {
    const file = randomFile(6 * CHUNK + 4321)
    const id = (await createUpload(server, file)).body.id as string
    const res = await putStream(id, file)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      id,
      chunkCount: 7,
      received: [[0, 7]],
      complete: false,
    })
    expect((await complete(server, id, md5Hex(file))).body).toMatchObject({
      hash: md5Hex(file),
      size: file.length,
    })
  })

  it('starts at a chunk-aligned Upload-Offset and refuses others', async () => {
    const file = randomFile(4 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    for (const bad of [1, CHUNK + 1, 5 * CHUNK, '-0', 'abc']) {
      const res = await putStream(id, Buffer.alloc(10), bad)
      expect(res.status, String(bad)).toBe(400)
      expect((await res.json()).error.code).toBe('bad-offset')
    }
    await putChunk(server, id, 0, chunkOf(file, 0))
    const res = await putStream(id, file.subarray(2 * CHUNK), 2 * CHUNK)
    expect((await res.json()).received).toEqual([
      [0, 1],
      [2, 4],
    ])
  })

  it('refuses a body longer than the rest of the file with 413 body-too-large', async () => {
    const file = randomFile(2 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    const res = await putStream(id, Buffer.concat([file, Buffer.alloc(1)]))
    expect(res.status).toBe(413)
    expect((await res.json()).error.code).toBe('body-too-large')
  })

  it('keeps exactly the chunks that arrived whole when the connection is cut, then completes with chunk PUTs', async () => {
    const file = randomFile(8 * CHUNK + 777)
    const id = (await createUpload(server, file)).body.id as string
    await cutStream(id, file, 3 * CHUNK + CHUNK / 2)
    await eventually(async () => (await getStatus(server, id)).body.received[0]?.[1] === 3)
    await new Promise((resolve) => setTimeout(resolve, 300)) // nothing more may appear
    expect((await getStatus(server, id)).body.received).toEqual([[0, 3]])

    // The chunk that was cut off is free again: the client sends everything missing.
    const missing = [3, 4, 5, 6, 7, 8]
    const answers = await Promise.all(missing.map((i) => putChunk(server, id, i, chunkOf(file, i))))
    expect(answers.map((a) => a.status)).toEqual(missing.map(() => 204))
    const done = await complete(server, id, md5Hex(file))
    expect(done.status).toBe(200)
    expect(done.body.hash).toBe(md5Hex(file))
  })

  it('persists the chunks of a cut stream across a restart', async () => {
    const file = randomFile(4 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    await cutStream(id, file, 2 * CHUNK + 10)
    await eventually(async () => (await getStatus(server, id)).body.received[0]?.[1] === 2)
    await server.close()
    server = await server.restart()
    expect((await getStatus(server, id)).body.received).toEqual([[0, 2]])
    const res = await putStream(id, file.subarray(2 * CHUNK), 2 * CHUNK)
    expect((await res.json()).received).toEqual([[0, 4]])
    expect((await complete(server, id, md5Hex(file))).status).toBe(200)
  })

  it('skips chunks already held without rewriting them', async () => {
    const file = randomFile(3 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    await putChunk(server, id, 1, chunkOf(file, 1))
    const garbage = Buffer.from(file)
    garbage.fill(9, CHUNK, 2 * CHUNK) // a held chunk's bytes sent differently must not land
    const res = await putStream(id, garbage)
    expect((await res.json()).received).toEqual([[0, 3]])
    expect((await complete(server, id)).body.hash).toBe(md5Hex(file))
  })

  it('frees the chunk of a stream that stalls, so a retry can send it', async () => {
    await server.close()
    server = await server.restart({ stallTimeoutMs: 300 })
    const file = randomFile(3 * CHUNK)
    const id = (await createUpload(server, file)).body.id as string
    const stalled = await partialStream(id, file, CHUNK + 1000)
    try {
      await eventually(async () => (await getStatus(server, id)).body.received.length > 0)
      const blocked = await putChunk(server, id, 1, chunkOf(file, 1))
      expect(blocked.status).toBe(503)
      expect(blocked.body.error.code).toBe('busy')
      expect(blocked.headers.get('retry-after')).toBe('1')
      await eventually(async () => (await putChunk(server, id, 1, chunkOf(file, 1))).status === 204)
      await putChunk(server, id, 2, chunkOf(file, 2))
      expect((await complete(server, id, md5Hex(file))).status).toBe(200)
    } finally {
      stalled.destroy()
    }
  })
})
