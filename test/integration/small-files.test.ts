import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Uploader, UploadSnapshot } from '../../src/core'
import { createHttpProtocol } from '../../src/protocols/http'
import { createTusProtocol } from '../../src/protocols/tus'
import { startReferenceServer, type RunningReferenceServer } from '../../server/index'
import { createTusEndpoint, type TusEndpoint } from '../../server/tus'
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { createS3Protocol } from '../../src/protocols/s3'
import { createS3SigningHandler } from '../../server/s3'
import { openS3Target, type S3Target } from '../infra/s3-target'
import { CuttingProxy } from '../fakes/cutting-proxy'
import { recordingTransport, testUploader } from '../fakes/engine-run'
import { SMALL_BATCH_LIMITS } from '../../src/core/run/small-batch'

const KiB = 1024

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex')

/** `count` files of random bytes, sizes around `size`, with distinct names. */
function smallFiles(count: number, size: number): { file: File; bytes: Buffer }[] {
  return Array.from({ length: count }, (_, i) => {
    const bytes = randomBytes(size + i * 17)
    return { bytes, file: new File([bytes], `photo-${i}.jpg`, { type: 'image/jpeg' }) }
  })
}

/** Resolves once every upload of `uploader` has finished one way or another. */
function allFinished(uploader: Uploader, count: number): Promise<UploadSnapshot[]> {
  return new Promise((resolve) => {
    const check = () => {
      const { uploads } = uploader.getSnapshot()
      const over = uploads.filter((u) => ['done', 'error', 'canceled'].includes(u.status.state))
      if (uploads.length === count && over.length === count) resolve([...uploads])
    }
    uploader.subscribe(check)
  })
}

describe('small files: one request each, or several together, against the reference servers', () => {
  let server: RunningReferenceServer
  let tus: TusEndpoint
  let root: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vcu-small-'))
    tus = createTusEndpoint({ root: join(root, 'tus') })
    server = await startReferenceServer({ root: join(root, 'http'), routes: [tus] })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('HTTP: small files go several to a PUT /uploads/batch, each stored byte-identical and verified by MD5', async () => {
    const transport = recordingTransport()
    const uploader = testUploader(createHttpProtocol({ endpoint: server.httpUrl }), transport)
    const files = smallFiles(40, 100 * KiB)
    const done = allFinished(uploader, files.length)
    uploader.add(files.map((f) => f.file))
    const uploads = await done
    expect(new Set(transport.log)).toEqual(new Set(['PUT /http/uploads/batch']))
    expect(transport.log.length).toBeLessThan(files.length / 2)
    const ids = new Set<string>()
    for (const [i, upload] of uploads.entries()) {
      expect(upload.status.state).toBe('done')
      if (upload.status.state !== 'done') continue
      const { bytes } = files[i]!
      expect(upload.status.result.hash).toBe(md5(bytes))
      const id = String(upload.status.result.data?.id)
      ids.add(id)
      expect(readFileSync(join(root, 'http', 'files', id)).equals(bytes)).toBe(true)
    }
    expect(ids.size).toBe(files.length)
    uploader.destroy()
  })

  it('HTTP: a small file over the batch limit is one PUT /uploads, stored and verified', async () => {
    const transport = recordingTransport()
    const uploader = testUploader(createHttpProtocol({ endpoint: server.httpUrl }), transport)
    const [{ file, bytes }] = smallFiles(1, SMALL_BATCH_LIMITS.fileBytes + 1)
    const done = allFinished(uploader, 1)
    uploader.add(file!)
    const [upload] = await done
    expect(transport.log).toEqual(['PUT /http/uploads'])
    expect(upload!.status.state).toBe('done')
    if (upload!.status.state !== 'done') return
    expect(upload!.status.result.hash).toBe(md5(bytes!))
    const id = String(upload!.status.result.data?.id)
    expect(readFileSync(join(root, 'http', 'files', id)).equals(bytes!)).toBe(true)
    uploader.destroy()
  })

  it('HTTP: a batch cut on the way is sent again whole, and the server keeps nothing of the cut one', async () => {
    const proxy = new CuttingProxy(server.port)
    const endpoint = `${await proxy.listen()}/http`
    // Into the first batch (server/test/server-batch.test.ts cuts one after a stored file).
    proxy.cutAfter(100 * KiB)
    const transport = recordingTransport()
    const uploader = testUploader(createHttpProtocol({ endpoint }), transport, {
      concurrency: 1,
    })
    const files = smallFiles(3, 200 * KiB)
    const before = new Set(readdirSync(join(root, 'http', 'files')))
    const done = allFinished(uploader, files.length)
    uploader.add(files.map((f) => f.file))
    const uploads = await done
    expect(uploads.every((u) => u.status.state === 'done')).toBe(true)
    expect(transport.log.every((l) => l === 'PUT /http/uploads/batch')).toBe(true)
    expect(uploads.reduce((n, u) => n + u.retries, 0)).toBeGreaterThan(0)
    // Only the finished files are stored (a data file and its meta each).
    const added = readdirSync(join(root, 'http', 'files')).filter((n) => !before.has(n))
    const kept = uploads.map((u) =>
      u.status.state === 'done' ? String(u.status.result.data?.id) : '',
    )
    expect(added.sort()).toEqual(kept.flatMap((id) => [id, `${id}.json`]).sort())
    expect(readdirSync(join(root, 'http', 'uploads'))).toEqual([])
    uploader.destroy()
    await proxy.close()
  })

  it('tus: creation-with-upload sends each file in its one POST, stored byte-identical', async () => {
    const transport = recordingTransport()
    const uploader = testUploader(createTusProtocol({ endpoint: `${server.url}/tus` }), transport)
    const files = smallFiles(6, 100 * KiB)
    const done = allFinished(uploader, files.length)
    uploader.add(files.map((f) => f.file))
    const uploads = await done
    expect(transport.log).toEqual(['OPTIONS /tus', ...files.map(() => 'POST /tus')])
    for (const [i, upload] of uploads.entries()) {
      expect(upload.status.state).toBe('done')
      if (upload.status.state !== 'done') continue
      const id = String(upload.status.result.location).split('/').pop()!
      expect(readFileSync(join(root, 'tus', id)).equals(files[i]!.bytes)).toBe(true)
      const stored = await tus.store.getUpload(id)
      expect(stored.metadata).toMatchObject({ filename: `photo-${i}.jpg` })
    }
    uploader.destroy()
  })
})

describe('small files through the S3 signer: batch-signed POST forms, or one presigned PUT each', () => {
  let s3: S3Target
  let server: RunningReferenceServer
  let root: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vcu-small-s3-'))
    s3 = await openS3Target()
    const handler = createS3SigningHandler({ client: s3.client, bucket: s3.bucket })
    const old = createS3SigningHandler({
      client: s3.client,
      bucket: s3.bucket,
      basePath: '/old-s3',
    })
    const single = createS3SigningHandler({
      client: s3.client,
      bucket: s3.bucket,
      basePath: '/single-s3',
    })
    server = await startReferenceServer({
      root,
      routes: [
        { basePath: '/s3', handler },
        // A signer from before the small-file route: `POST /objects` answers 404.
        {
          basePath: '/old-s3',
          handler: async (request, context) =>
            new URL(request.url).pathname.startsWith('/old-s3/objects')
              ? new Response('{"error":{"code":"not-found"}}', { status: 404 })
              : old(request, context),
        },
        // A signer from before the batch route: `POST /objects/batch` answers 404.
        {
          basePath: '/single-s3',
          handler: async (request, context) =>
            new URL(request.url).pathname.startsWith('/single-s3/objects/batch')
              ? new Response('{"error":{"code":"not-found"}}', { status: 404 })
              : single(request, context),
        },
      ],
    })
  })
  afterAll(async () => {
    await server?.close()
    await s3?.close()
    rmSync(root, { recursive: true, force: true })
  })

  /** Checks each finished upload's object in the bucket: bytes, ETag and size. */
  async function expectStored(uploads: UploadSnapshot[], files: { bytes: Buffer }[]) {
    for (const [i, upload] of uploads.entries()) {
      expect(upload.status.state).toBe('done')
      if (upload.status.state !== 'done') continue
      const key = String(upload.status.result.location)
      const { bytes } = files[i]!
      expect(upload.status.result.etag).toBe(md5(bytes))
      expect(await s3.md5Of(key)).toBe(md5(bytes))
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))
      expect(head.ETag?.replace(/"/g, '')).toBe(md5(bytes))
      expect(head.ContentLength).toBe(bytes.length)
    }
  }

  it('the queued files are signed in one POST /objects/batch, then one form POST each', async () => {
    const transport = recordingTransport()
    const uploader = testUploader(createS3Protocol({ endpoint: `${server.url}/s3` }), transport)
    const files = smallFiles(5, 100 * KiB)
    const done = allFinished(uploader, files.length)
    uploader.add(files.map((f) => f.file))
    const uploads = await done
    expect(transport.log.filter((l) => l === 'POST /s3/objects/batch')).toHaveLength(1)
    expect(transport.log.filter((l) => l === `POST /${s3.bucket}/`)).toHaveLength(files.length)
    expect(transport.log.some((l) => l.startsWith('PUT'))).toBe(false)
    expect(transport.log.some((l) => l === 'POST /s3/objects')).toBe(false)
    expect(transport.log.some((l) => l.startsWith('POST /s3/uploads'))).toBe(false)
    await expectStored(uploads, files)
    expect(await s3.pendingUploads()).toEqual([])
    uploader.destroy()
  })

  it('a signer without the batch route: POST /objects then one PUT each, asked once', async () => {
    const transport = recordingTransport()
    const uploader = testUploader(
      createS3Protocol({ endpoint: `${server.url}/single-s3` }),
      transport,
    )
    const files = smallFiles(5, 100 * KiB)
    const done = allFinished(uploader, files.length)
    uploader.add(files.map((f) => f.file))
    const uploads = await done
    expect(transport.log.filter((l) => l === 'POST /single-s3/objects/batch')).toHaveLength(1)
    expect(transport.log.filter((l) => l === 'POST /single-s3/objects')).toHaveLength(files.length)
    expect(transport.log.filter((l) => l.startsWith('PUT'))).toHaveLength(files.length)
    await expectStored(uploads, files)
    uploader.destroy()
  })

  it('a signer without POST /objects gets multipart uploads, and is asked only once', async () => {
    const transport = recordingTransport()
    const uploader = testUploader(
      createS3Protocol({ endpoint: `${server.url}/old-s3` }),
      transport,
      { concurrency: 1 },
    )
    const files = smallFiles(3, 50 * KiB)
    const done = allFinished(uploader, files.length)
    uploader.add(files.map((f) => f.file))
    const uploads = await done
    expect(uploads.map((u) => u.status.state)).toEqual(['done', 'done', 'done'])
    expect(transport.log.filter((l) => l === 'POST /old-s3/objects')).toHaveLength(1)
    expect(transport.log.filter((l) => l === 'POST /old-s3/uploads')).toHaveLength(3)
    for (const [i, upload] of uploads.entries()) {
      if (upload.status.state !== 'done') continue
      expect(await s3.md5Of(String(upload.status.result.location))).toBe(md5(files[i]!.bytes))
    }
    uploader.destroy()
  })

  it('the signer refuses bad input to POST /objects', async () => {
    const post = (body: unknown, type = 'application/json') =>
      fetch(`${server.url}/s3/objects`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify(body),
      })
    const cases: [unknown, number][] = [
      [{ size: -1 }, 400],
      [{ size: 1.5 }, 400],
      [{ name: 'a' }, 400],
      [{ size: 6 * 1024 ** 3 }, 413],
      [{ size: 10, md5: 'nope' }, 400],
    ]
    for (const [body, status] of cases) {
      expect((await post(body)).status, JSON.stringify(body)).toBe(status)
    }
    expect((await post({ size: 10 }, 'text/plain')).status).toBe(415)
    const signed = (await (await post({ size: 10, name: '../x.txt' })).json()) as {
      key: string
    }
    expect(signed.key).toMatch(/^uploads\/\d{4}-\d\d-\d\d\/[\w-]{22}\/x\.txt$/)
  })

  it('the signer refuses bad input to POST /objects/batch', async () => {
    const post = (body: unknown, type = 'application/json') =>
      fetch(`${server.url}/s3/objects/batch`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify(body),
      })
    const many = (count: number) => Array.from({ length: count }, () => ({ size: 1 }))
    const cases: [unknown, number][] = [
      [{}, 400],
      [{ files: [] }, 400],
      [{ files: {} }, 400],
      [{ files: [null] }, 400],
      [{ files: [{ size: -1 }] }, 400],
      [{ files: [{ size: 1 }, { size: 1.5 }] }, 400],
      [{ files: [{ name: 'a' }] }, 400],
      [{ files: [{ size: 6 * 1024 ** 3 }] }, 413],
      [{ files: many(101) }, 413],
    ]
    for (const [body, status] of cases) {
      expect((await post(body)).status, JSON.stringify(body).slice(0, 80)).toBe(status)
    }
    expect((await post({ files: [{ size: 1 }] }, 'text/plain')).status).toBe(415)
    const answer = await post({ files: [{ size: 3, name: '../../x.txt', type: 'text/plain' }] })
    expect(answer.status).toBe(200)
    const { objects } = (await answer.json()) as {
      objects: { key: string; url: string; fields: Record<string, string> }[]
    }
    expect(objects).toHaveLength(1)
    expect(objects[0]!.key).toMatch(/^uploads\/\d{4}-\d\d-\d\d\/[\w-]{22}\/x\.txt$/)
    expect(objects[0]!.fields.key).toBe(objects[0]!.key)
  })

  it('the bucket holds a form to its key and exact size', async () => {
    const answer = await fetch(`${server.url}/s3/objects/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ files: [{ size: 4, name: 'f.bin' }] }),
    })
    const [form] = (
      (await answer.json()) as {
        objects: { key: string; url: string; fields: Record<string, string> }[]
      }
    ).objects
    const send = (bytes: string, extra: Record<string, string> = {}) => {
      const body = new FormData()
      for (const [name, value] of Object.entries({ ...form!.fields, ...extra })) {
        body.append(name, value)
      }
      body.append('file', new Blob([bytes]))
      return fetch(form!.url, { method: 'POST', body })
    }
    // Another key, another size, an unsigned field, a forged signature: all refused.
    expect((await send('abcd', { key: 'uploads/mine.bin' })).status).toBe(403)
    expect((await send('abcde')).status).toBe(400)
    expect((await send('abc')).status).toBe(400)
    expect((await send('abcd', { acl: 'public-read' })).status).toBe(403)
    expect((await send('abcd', { 'x-amz-signature': '0'.repeat(64) })).status).toBe(403)
    expect(await s3.keys()).not.toContain(form!.key)
    expect((await send('abcd')).status).toBe(201)
    expect(await s3.md5Of(form!.key)).toBe(md5(Buffer.from('abcd')))
  })
})
