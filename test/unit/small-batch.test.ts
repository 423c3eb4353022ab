/**
 * Small files together (src/core/run/small-batch.ts) through the real HTTP client
 * (`PUT /uploads/batch`), answered by the test: grouping, order, per-file answers, retries,
 * pause and cancel cutting a batch, progress, and servers without the route.
 */
import { describe, expect, it } from 'vitest'
import { createUploader, type UploaderOptions } from '../../src/core'
import { SMALL_BATCH_LIMITS } from '../../src/core/run/small-batch'
import { createHttpProtocol } from '../../src/protocols/http'
import { FakeClock } from '../fakes/fake-clock'
import { FakeHasher, md5Hex } from '../fakes/fake-hasher'
import { ScriptedTransport, type ScriptedRequest } from '../fakes/scripted-transport'
import { until } from '../fakes/until'

function bytesOf(size: number, seed = 0): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + size + seed) % 251
  return bytes
}

const fileOf = (size: number, name: string, seed = 0) =>
  new File([bytesOf(size, seed)], name, { type: 'image/jpeg', lastModified: 1_700_000_000_000 })

interface Sent {
  readonly name: string
  readonly size: number
  readonly hash?: string
  readonly bytes: Uint8Array
}

/** The files of a batch request as the server reads them: its manifest, then each file part. */
async function readBatch(request: ScriptedRequest): Promise<Sent[]> {
  const form = request.body as FormData
  expect(form).toBeInstanceOf(FormData)
  expect([...form.keys()][0]).toBe('manifest')
  const manifest = JSON.parse(String(form.get('manifest'))) as {
    files: { name: string; size: number; hash?: string }[]
  }
  const parts = form.getAll('file') as Blob[]
  expect(parts).toHaveLength(manifest.files.length)
  return Promise.all(
    manifest.files.map(async (entry, i) => {
      const bytes = new Uint8Array(await parts[i]!.arrayBuffer())
      expect(bytes.length).toBe(entry.size)
      return { ...entry, bytes }
    }),
  )
}

/** What the form's framing adds before the files, as the client reckons it. */
const framing = (request: ScriptedRequest) =>
  new TextEncoder().encode(String((request.body as FormData).get('manifest'))).byteLength + 160

const stored = (file: Sent) => ({
  status: 201,
  file: { id: `id-${file.name}`, size: file.size, name: file.name, instant: false },
})

const pathOf = (request: ScriptedRequest) => `${request.method} ${new URL(request.url).pathname}`

function setup(extra: Partial<UploaderOptions> = {}) {
  const clock = new FakeClock()
  const transport = new ScriptedTransport()
  const uploader = createUploader({
    protocol: createHttpProtocol({ endpoint: 'http://server/http' }),
    transport,
    clock,
    chunkSize: 256 * 1024,
    concurrency: 2,
    adaptive: false,
    retry: { baseDelayMs: 10, maxDelayMs: 10 },
    ...extra,
  })
  const results = new Map<string, unknown>()
  const errors = new Map<string, string>()
  uploader.on('upload-success', ({ upload, result }) => results.set(upload.file.name, result.data))
  uploader.on('upload-error', ({ upload, error }) => errors.set(upload.file.name, error.code))
  const stateOf = (name: string) =>
    uploader.getSnapshot().uploads.find((u) => u.file.name === name)?.status.state
  return { clock, transport, uploader, results, errors, stateOf }
}

describe('small files together (PUT /uploads/batch)', () => {
  it('sends small files several to a request, each once, in order, each with its own result', async () => {
    const { clock, transport, uploader, results } = setup()
    const names = Array.from({ length: 40 }, (_, i) => `f${String(i).padStart(2, '0')}.jpg`)
    uploader.add(names.map((name, i) => fileOf(300 + i, name, i)))
    const seen: string[] = []
    const sizes: number[] = []
    while (results.size < names.length) {
      await until(() => transport.open.length > 0 || results.size === names.length, clock)
      for (const request of transport.open) {
        expect(pathOf(request)).toBe('PUT /http/uploads/batch')
        const files = await readBatch(request)
        for (const [i, file] of files.entries()) {
          // The bytes are the file's own, in the manifest's order.
          const index = names.indexOf(file.name)
          expect(file.bytes).toEqual(bytesOf(300 + index, index))
          if (i === 0) request.progress(file.size + 1) // the first file whole, one byte of the next
        }
        seen.push(...files.map((f) => f.name))
        sizes.push(files.length)
        request.respond({ json: { files: files.map(stored) } })
      }
    }
    await until(
      () => uploader.getSnapshot().total.bytesUploaded === uploader.getSnapshot().total.size,
      clock,
    )
    expect([...seen].sort()).toEqual(names)
    // Queue order: files go out in the order they were added.
    expect(seen).toEqual(names)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(SMALL_BATCH_LIMITS.files)
    // Far fewer requests than files, once the lanes are busy.
    expect(sizes.length).toBeLessThan(names.length / 3)
    for (const name of names) expect(results.get(name)).toMatchObject({ id: `id-${name}` })
    expect(uploader.getSnapshot().uploads.every((u) => u.status.state === 'done')).toBe(true)
  })

  it('shares a request’s progress out among its files, in body order', async () => {
    const { clock, transport, uploader } = setup({ concurrency: 1 })
    uploader.add([fileOf(1000, 'a.jpg'), fileOf(2000, 'b.jpg'), fileOf(3000, 'c.jpg')])
    await until(() => transport.open.length > 0, clock)
    // Let the first (lone) batch go, then look at one holding several files.
    let request = transport.open[0]!
    let files = await readBatch(request)
    if (files.length === 1) {
      request.respond({ json: { files: files.map(stored) } })
      await until(() => transport.open.length > 0, clock)
      request = transport.open[0]!
      files = await readBatch(request)
    }
    expect(files.length).toBeGreaterThan(1)
    const first = files[0]!
    request.progress(framing(request) + first.size + 500)
    await clock.advance(100)
    const bytesOf_ = (name: string) =>
      uploader.getSnapshot().uploads.find((u) => u.file.name === name)!.bytesUploaded
    expect(bytesOf_(first.name)).toBe(first.size)
    expect(bytesOf_(files[1]!.name)).toBe(500)
    request.respond({ json: { files: files.map(stored) } })
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'), clock)
  })

  it('sends each file’s MD5 for the server to verify, and fails a file the server stored differently', async () => {
    const { clock, transport, uploader, results, errors } = setup({
      hasher: new FakeHasher(),
      concurrency: 1,
    })
    uploader.add([fileOf(500, 'a.jpg', 1), fileOf(600, 'b.jpg', 2)])
    while (results.size + errors.size < 2) {
      await until(() => transport.open.length > 0 || results.size + errors.size === 2, clock)
      for (const request of transport.open) {
        const files = await readBatch(request)
        for (const file of files) expect(file.hash).toBe(md5Hex(file.bytes))
        request.respond({
          json: {
            files: files.map((file) => ({
              status: 201,
              // b.jpg "stored" with other bytes: its answer names another MD5.
              file: {
                ...stored(file).file,
                hash: file.name === 'b.jpg' ? md5Hex(bytesOf(1)) : file.hash,
              },
            })),
          },
        })
      }
    }
    expect(results.has('a.jpg')).toBe(true)
    expect(errors.get('b.jpg')).toBe('hash-mismatch')
  })

  it('fails a file the server refused on its own, and sends a file refused for now on its own', async () => {
    const { clock, transport, uploader, results, errors } = setup({ concurrency: 1 })
    uploader.add([fileOf(100, 'ok.jpg'), fileOf(200, 'huge.jpg'), fileOf(300, 'later.jpg')])
    const log: string[] = []
    while (results.size + errors.size < 3) {
      await until(() => transport.open.length > 0 || results.size + errors.size === 3, clock)
      for (const request of transport.open) {
        log.push(pathOf(request))
        if (pathOf(request) === 'PUT /http/uploads') {
          // The lone request of later.jpg: the cap has room now.
          const info = JSON.parse(decodeURIComponent(request.headers!['upload-info']!))
          expect(info.name).toBe('later.jpg')
          request.respond({
            status: 201,
            json: { id: 'id-later-alone', size: 300, name: 'later.jpg' },
          })
          continue
        }
        const files = await readBatch(request)
        request.respond({
          json: {
            files: files.map((file) =>
              file.name === 'huge.jpg'
                ? { status: 413, error: { code: 'file-too-large', message: 'too big', limit: 150 } }
                : file.name === 'later.jpg'
                  ? { status: 429, error: { code: 'too-many-uploads', message: 'busy' } }
                  : stored(file),
            ),
          },
        })
      }
    }
    expect(results.get('ok.jpg')).toMatchObject({ id: 'id-ok.jpg' })
    expect(errors.get('huge.jpg')).toBe('file-too-large')
    expect(results.get('later.jpg')).toMatchObject({ id: 'id-later-alone' })
    expect(log.filter((l) => l === 'PUT /http/uploads')).toHaveLength(1)
  })

  it('retries a failed batch whole', async () => {
    const { clock, transport, uploader, results } = setup({ concurrency: 1 })
    const retried: string[] = []
    uploader.on('upload-retry', ({ upload }) => retried.push(upload.file.name))
    uploader.add([fileOf(100, 'a.jpg'), fileOf(200, 'b.jpg')])
    await until(() => transport.open.length > 0, clock)
    const first = transport.open[0]!
    const names = (await readBatch(first)).map((f) => f.name)
    first.respond({ status: 503, json: { error: { code: 'busy', message: 'later' } } })
    await until(() => transport.open.length > 0, clock)
    const again = transport.open[0]!
    const files = await readBatch(again)
    expect(files.map((f) => f.name).slice(0, names.length)).toEqual(names)
    again.respond({ json: { files: files.map(stored) } })
    while (results.size < 2) {
      await until(() => transport.open.length > 0 || results.size === 2, clock)
      for (const request of transport.open)
        request.respond({ json: { files: (await readBatch(request)).map(stored) } })
    }
    expect(retried.sort()).toEqual([...names].sort())
  })

  it('pausing or canceling a file cuts its batch; the others go again without it', async () => {
    for (const verb of ['pause', 'cancel'] as const) {
      const { clock, transport, uploader, results, stateOf } = setup({ concurrency: 1 })
      uploader.add([fileOf(100, 'a.jpg'), fileOf(200, 'b.jpg'), fileOf(300, 'c.jpg')])
      // A batch holding at least two files.
      let request: ScriptedRequest
      let files: Sent[]
      for (;;) {
        await until(() => transport.open.length > 0, clock)
        request = transport.open[0]!
        files = await readBatch(request)
        if (files.length > 1) break
        request.respond({ json: { files: files.map(stored) } })
      }
      const [victim, ...others] = files.map((f) => f.name)
      const id = uploader.getSnapshot().uploads.find((u) => u.file.name === victim)!.id
      if (verb === 'pause') uploader.pause(id)
      else void uploader.cancel(id)
      expect(request.signal.aborted, verb).toBe(true)
      await until(() => transport.open.length > 0, clock)
      const next = await readBatch(transport.open[0]!)
      expect(
        next.map((f) => f.name),
        verb,
      ).toEqual(others)
      transport.open[0]!.respond({ json: { files: next.map(stored) } })
      await until(() => others.every((name) => results.has(name)), clock)
      expect(stateOf(victim!), verb).toBe(verb === 'pause' ? 'paused' : 'canceled')
      expect(results.has(victim!), verb).toBe(false)
      if (verb === 'pause') {
        // Resumed, it goes in a batch of its own.
        uploader.resume(id)
        await until(() => transport.open.length > 0, clock)
        const alone = await readBatch(transport.open[0]!)
        expect(alone.map((f) => f.name)).toEqual([victim])
        transport.open[0]!.respond({ json: { files: alone.map(stored) } })
        await until(() => results.has(victim!), clock)
      }
    }
  })

  it('a server without the batch route gets one request per file and is not asked again', async () => {
    const { clock, transport, uploader, results } = setup({ concurrency: 1 })
    uploader.add([fileOf(100, 'a.jpg'), fileOf(200, 'b.jpg'), fileOf(300, 'c.jpg')])
    const log: string[] = []
    while (results.size < 3) {
      await until(() => transport.open.length > 0 || results.size === 3, clock)
      for (const request of transport.open) {
        log.push(pathOf(request))
        if (pathOf(request) === 'PUT /http/uploads/batch') {
          request.respond({ status: 404, json: { error: { code: 'not-found', message: 'no' } } })
          continue
        }
        const info = JSON.parse(decodeURIComponent(request.headers!['upload-info']!))
        request.respond({ status: 201, json: { id: `id-${info.name}`, size: info.size } })
      }
    }
    expect(log.filter((l) => l === 'PUT /http/uploads/batch')).toHaveLength(1)
    expect(log.filter((l) => l === 'PUT /http/uploads')).toHaveLength(3)
    // Files added later never try the route again.
    uploader.add(fileOf(400, 'd.jpg'))
    await until(() => transport.open.length > 0, clock)
    expect(pathOf(transport.open[0]!)).toBe('PUT /http/uploads')
  })

  it('files over the batch limit, and files that are not small, go on their own', async () => {
    const { clock, transport, uploader, results } = setup({
      concurrency: 1,
      smallFileThreshold: SMALL_BATCH_LIMITS.fileBytes + 10,
    })
    uploader.add([fileOf(SMALL_BATCH_LIMITS.fileBytes + 1, 'big.jpg')])
    await until(() => transport.open.length > 0, clock)
    const request = transport.open[0]!
    expect(pathOf(request)).toBe('PUT /http/uploads')
    request.respond({ status: 201, json: { id: 'id-big', size: SMALL_BATCH_LIMITS.fileBytes + 1 } })
    await until(() => results.has('big.jpg'), clock)
  })
})
