/**
 * Issue 14, item 9 (control routes): a control request trickled a byte at a time is cut by
 * its own short deadline (headers on every route; the whole JSON body on the HTTP chunk and
 * S3 signer routes), not by the listener's 5-minute idle timeout. The deadlines are set to
 * 300 ms here; the trickle would last 10 s, and each test gives up listening after 3 s.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { raw, rawJson, startRig, type Rig } from '../testing/attack-rig'
import { CHUNK } from '../testing/harness'

let rig: Rig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

const DEADLINE_MS = 300
const TRICKLE_EVERY_MS = 50
const LISTEN_MS = 3000

interface Outcome {
  /** The status the server answered, or null when it said nothing while we listened. */
  status: number | null
  /** True when the server closed the connection while we listened. */
  closed: boolean
}

/**
 * Sends `head` at once, then `rest` one byte every 50 ms on a raw connection; resolves when
 * the server closes it, or after 3 s.
 */
function trickle(port: number, head: string, rest: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    let sent = 0
    const timer = setInterval(() => {
      if (sent < rest.length && socket.writable) socket.write(rest[sent++])
    }, TRICKLE_EVERY_MS)
    const finish = (closed: boolean): void => {
      clearInterval(timer)
      clearTimeout(limit)
      socket.destroy()
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]
      resolve({ status: status ? Number(status) : null, closed })
    }
    const limit = setTimeout(() => finish(false), LISTEN_MS)
    socket.on('data', (piece: Buffer) => (answer += piece.toString('latin1')))
    socket.on('close', () => finish(true))
    socket.on('error', () => undefined)
    socket.write(head)
  })
}

/** A POST whose headers go at once and whose JSON body (about 200 bytes) is trickled. */
function trickleJson(port: number, path: string, body: Record<string, unknown>): Promise<Outcome> {
  const text = JSON.stringify({ ...body, pad: 'x'.repeat(200) })
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n`
  return trickle(port, head, text)
}

describe('control routes have short deadlines of their own (9)', () => {
  it('HTTP chunk server: a trickled create or complete body gets 408 and its connection closed', async () => {
    rig = await startRig({ http: { controlBodyTimeoutMs: DEADLINE_MS } })
    const { port, httpUrl } = rig.server
    const create = { name: 'a.bin', size: 10, chunkSize: CHUNK }
    expect(await trickleJson(port, '/http/uploads', create)).toEqual({ status: 408, closed: true })
    const id = (await rawJson(`${httpUrl}/uploads`, create)).json.id as string
    const complete = await trickleJson(port, `/http/uploads/${id}/complete`, {})
    expect(complete).toEqual({ status: 408, closed: true })
    // A body that arrives in time is still served.
    expect((await rawJson(`${httpUrl}/uploads`, create)).status).toBe(201)
  })

  it('S3 signer: a trickled create, part-signing or complete body gets 408 and its connection closed', async () => {
    rig = await startRig({ s3: { controlBodyTimeoutMs: DEADLINE_MS } })
    const { port, url } = rig.server
    const create = { name: 'a.bin', size: 1 }
    expect(await trickleJson(port, '/s3/uploads', create)).toEqual({ status: 408, closed: true })
    const created = await rawJson(`${url}/s3/uploads`, create)
    expect(created.status).toBe(201)
    const id = encodeURIComponent(created.json.id as string)
    for (const path of [`/s3/uploads/${id}/parts/1`, `/s3/uploads/${id}/complete`]) {
      const parts = { parts: [{ partNumber: 1, etag: '0'.repeat(32) }] }
      expect(await trickleJson(port, path, parts), path).toEqual({ status: 408, closed: true })
    }
    expect((await rawJson(`${url}/s3/uploads/${id}/parts/1`, {})).status).toBe(200)
  })

  it('every route: headers trickled a byte at a time (a tus creation here) get 408 and the connection closed', async () => {
    rig = await startRig({ http: { headersTimeoutMs: DEADLINE_MS } })
    const head =
      'POST /tus HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nUpload-Length: 10\r\n'
    const outcome = await trickle(rig.server.port, head, `X-Pad: ${'a'.repeat(200)}\r\n\r\n`)
    expect(outcome).toEqual({ status: 408, closed: true })
    const created = await raw(`${rig.server.url}/tus`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
    })
    expect(created.status).toBe(201)
  })
})
