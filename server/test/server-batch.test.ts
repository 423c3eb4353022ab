import { readdir, readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KiB, eventually, getStatus, md5Hex, randomFile, storedNames } from '../testing/harness'
import type { TestServer } from '../testing/harness'
import { serverPerTest } from '../testing/fixtures'

let server: TestServer
serverPerTest((started) => (server = started), {
  maxFileSize: 1024 * KiB,
  accept: ['image/*'],
})

type Entry = Record<string, unknown> & { size: number }

const entry = (file: Buffer, extra: Record<string, unknown> = {}): Entry => ({
  name: 'photo.jpg',
  size: file.length,
  type: 'image/jpeg',
  ...extra,
})

const BOUNDARY = 'vcu-batch-boundary-1234'

/** A multipart/form-data body by hand: `parts` as [name, bytes]. */
function formBody(parts: readonly [string, Buffer][], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = []
  for (const [name, bytes] of parts) {
    const filename = name === 'file' ? '; filename="blob"' : ''
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename}\r\n` +
          (filename ? 'Content-Type: application/octet-stream\r\n' : '') +
          '\r\n',
      ),
      bytes,
      Buffer.from('\r\n'),
    )
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(chunks)
}

/** The batch body: the manifest, then each file; and its headers. */
function batchBody(files: readonly Buffer[], entries: readonly Entry[]) {
  const manifest = Buffer.from(JSON.stringify({ files: entries }))
  return {
    body: formBody([['manifest', manifest], ...files.map((f): [string, Buffer] => ['file', f])]),
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  }
}

async function putBatch(body: Uint8Array | FormData, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.httpUrl}/uploads/batch`, {
    method: 'PUT',
    headers,
    body: body as Uint8Array<ArrayBuffer>,
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

/** Every name left in the store's folders. */
const stored = () => storedNames(server)

describe('reference server: small files together (PUT /uploads/batch)', () => {
  it('creates and completes each file of the form, in order, each verified by its MD5', async () => {
    const files = [randomFile(100 * KiB + 7), randomFile(0), randomFile(3), randomFile(700 * KiB)]
    // The form as a platform builds it (Node's FormData here, a browser's in the client).
    const form = new FormData()
    form.append(
      'manifest',
      JSON.stringify({
        files: files.map((file, i) =>
          entry(file, { name: `p${i}.jpg`, hash: md5Hex(file), metadata: { i: String(i) } }),
        ),
      }),
    )
    for (const [i, file] of files.entries())
      form.append('file', new Blob([file as Uint8Array<ArrayBuffer>]), `p${i}.jpg`)
    const res = await putBatch(form)
    expect(res.status).toBe(200)
    expect(res.body.files).toHaveLength(files.length)
    for (const [i, file] of files.entries()) {
      const answer = res.body.files[i]
      expect(answer.status).toBe(201)
      expect(answer.file).toMatchObject({
        size: file.length,
        hash: md5Hex(file),
        name: `p${i}.jpg`,
        metadata: { i: String(i) },
      })
      expect(await readFile(join(server.root, 'files', answer.file.id))).toEqual(file)
      expect((await getStatus(server, answer.file.id)).body).toMatchObject({ complete: true })
    }
    expect(await readdir(join(server.root, 'uploads'))).toEqual([])
  })

  it('answers a refused file on its own and stores the others', async () => {
    const files = [
      randomFile(10 * KiB),
      randomFile(20 * KiB),
      randomFile(30 * KiB),
      randomFile(40 * KiB),
    ]
    const entries = [
      entry(files[0], { hash: md5Hex(files[0]) }),
      entry(files[1], { hash: md5Hex(files[3]) }), // the wrong bytes
      entry(files[2], { type: 'text/plain', name: 'notes.txt' }), // not accepted
      entry(files[3], { hash: md5Hex(files[3]) }),
    ]
    const { body, headers } = batchBody(files, entries)
    const res = await putBatch(body, headers)
    expect(res.status).toBe(200)
    expect(res.body.files.map((a: { status: number }) => a.status)).toEqual([201, 422, 415, 201])
    expect(res.body.files[1].error).toMatchObject({ code: 'hash-mismatch', hash: md5Hex(files[1]) })
    expect(res.body.files[2].error.code).toBe('file-type-rejected')
    expect(await readFile(join(server.root, 'files', res.body.files[3].file.id))).toEqual(files[3])
    const kept = (await readdir(join(server.root, 'files'))).filter((n) => !n.endsWith('.json'))
    expect(kept.sort()).toEqual([res.body.files[0].file.id, res.body.files[3].file.id].sort())
  })

  it('refuses a malformed request whole and keeps nothing of it', async () => {
    const a = randomFile(5 * KiB)
    const b = randomFile(6 * KiB)
    const multipart = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }
    const form = (parts: [string, Buffer][]) => ({ body: formBody(parts), headers: multipart })
    const manifest = (value: unknown) =>
      Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
    const good = manifest({ files: [entry(a), entry(b)] })
    const cases: [{ body: Buffer; headers: Record<string, string> }, number, string][] = [
      // Not a form.
      [
        {
          body: Buffer.concat([good, a, b]),
          headers: { 'content-type': 'application/octet-stream' },
        },
        415,
        'unsupported-media-type',
      ],
      [{ body: Buffer.from('no parts at all'), headers: multipart }, 400, 'bad-request'],
      [
        {
          body: formBody(
            [
              ['manifest', good],
              ['file', a],
              ['file', b],
            ],
            'other',
          ),
          headers: multipart,
        },
        400,
        'bad-request',
      ],
      // The manifest.
      [
        form([
          ['file', a],
          ['manifest', good],
        ]),
        400,
        'bad-request',
      ],
      [
        form([
          ['manifest', manifest('{"files": [nope')],
          ['file', a],
        ]),
        400,
        'bad-request',
      ],
      [form([['manifest', manifest({ files: [] })]]), 400, 'bad-request'],
      [
        form([
          ['manifest', manifest({ files: [1] })],
          ['file', a],
        ]),
        400,
        'bad-request',
      ],
      [
        form([
          ['manifest', manifest({ files: [{ name: 'a.jpg', size: -1 }] })],
          ['file', a],
        ]),
        400,
        'bad-request',
      ],
      [
        form([
          [
            'manifest',
            manifest({ files: Array.from({ length: 65 }, () => entry(Buffer.alloc(0))) }),
          ],
        ]),
        400,
        'bad-request',
      ],
      // Parts and entries that do not match.
      [
        form([
          ['manifest', manifest({ files: [entry(a, { size: a.length + 1 })] })],
          ['file', a],
        ]),
        400,
        'chunk-size-mismatch',
      ],
      [
        form([
          ['manifest', manifest({ files: [entry(a, { size: a.length - 1 })] })],
          ['file', a],
        ]),
        400,
        'chunk-size-mismatch',
      ],
      [
        form([
          ['manifest', good],
          ['file', a],
        ]),
        400,
        'bad-request',
      ],
      [
        form([
          ['manifest', manifest({ files: [entry(a)] })],
          ['file', a],
          ['file', b],
        ]),
        400,
        'bad-request',
      ],
      [
        form([
          ['manifest', good],
          ['file', a],
          ['other', b],
        ]),
        400,
        'bad-request',
      ],
    ]
    for (const [{ body, headers }, status, code] of cases) {
      const res = await putBatch(body, headers)
      expect(res.status, body.subarray(0, 120).toString()).toBe(status)
      expect(res.body.error.code, body.subarray(0, 120).toString()).toBe(code)
    }
    expect(await stored()).toEqual([])
  })

  it('deletes every file it stored when the body is cut after them', async () => {
    const files = [randomFile(50 * KiB), randomFile(60 * KiB), randomFile(300 * KiB)]
    const { body, headers } = batchBody(
      files,
      files.map((file) => entry(file, { hash: md5Hex(file) })),
    )
    const req = request(`${server.httpUrl}/uploads/batch`, {
      method: 'PUT',
      headers: { ...headers, 'content-length': String(body.length) },
    })
    req.on('error', () => undefined) // the destroy below is the point
    // The manifest and the first two files, and part of the third.
    const cut = body.length - 200 * KiB
    await new Promise<void>((resolve) => req.write(body.subarray(0, cut), () => resolve()))
    // The first two are stored (their metas written) before the third ends…
    await eventually(
      async () =>
        (await readdir(join(server.root, 'files'))).filter((n) => n.endsWith('.json')).length === 2,
    )
    req.destroy()
    // …and all are deleted once the body breaks off: the client was never told of them.
    await eventually(async () => (await stored()).length === 0)
  })

  it('is 405 for other methods, and /uploads/batch is never an upload id', async () => {
    const res = await fetch(`${server.httpUrl}/uploads/batch`, { method: 'GET' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('PUT')
  })
})
