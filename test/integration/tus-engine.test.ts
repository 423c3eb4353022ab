import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core'
import { createTusProtocol } from '../../src/protocols/tus'
import { createAxiosTransport } from '../../src/transport'
import type { RunningReferenceServer } from '../../server/index'
import { serverPerBlock } from '../../server/testing/fixtures'
import { createTusEndpoint, type TusEndpoint } from '../../server/tus'
import { md5OfFile, randomFile } from '../browser/harness'
import { CuttingProxy } from '../fakes/cutting-proxy'
import { recordingTransport, diskFile, finished, uploaderOn } from '../fakes/engine-run'
import { MiB } from '../fakes/files'

const idOf = (location: string | undefined) => String(location).split('/').pop()!

describe('engine + tus protocol against @tus/server (file store)', () => {
  let server: RunningReferenceServer
  let tus: TusEndpoint
  let short: TusEndpoint
  let root: string
  let source: { path: string; md5: string }

  serverPerBlock(
    (started, dir) => ([server, root] = [started, dir]),
    (dir) => {
      tus = createTusEndpoint({ root: join(dir, 'tus') })
      short = createTusEndpoint({ root: join(dir, 'short'), basePath: '/short', expiresInMs: 2500 })
      return { root: join(dir, 'http'), routes: [tus, short] }
    },
  )
  beforeAll(async () => {
    source = await randomFile(64 * MiB)
  })

  const uploaderFor = uploaderOn((endpoint) => createTusProtocol({ endpoint }))

  it('uploads 64 MiB as one PATCH of the File; stored byte-identical, with its metadata', async () => {
    const transport = recordingTransport()
    const uploader = uploaderFor(`${server.url}/tus`, transport)
    const done = finished(uploader)
    uploader.add(await diskFile(source.path, 'a €.bin'))
    const upload = await done
    expect(upload.status.state).toBe('done')
    if (upload.status.state !== 'done') return
    const id = idOf(upload.status.result.location)
    expect(transport.log).toEqual(['OPTIONS /tus', 'POST /tus', `PATCH /tus/${id}`])
    expect(await md5OfFile(join(root, 'tus', id))).toBe(source.md5)
    const stored = await tus.store.getUpload(id)
    expect(stored.offset).toBe(64 * MiB)
    expect(stored.metadata).toMatchObject({ filename: 'a €.bin' })
    expect(stored.metadata?.fingerprint).toMatch(/^67108864:[0-9a-f]{32}$/)
    // tus cannot verify a whole file's MD5, so the engine does not spend CPU on one.
    expect(upload.hash.state).toBe('off')
    uploader.destroy()
  })

  for (const [what, stream, cut] of [
    ['the whole-File PATCH', true, 20 * MiB],
    ['a part PATCH', false, 3 * MiB],
  ] as const) {
    it(`resumes from HEAD after ${what} is cut mid-body, re-sending almost nothing`, async () => {
      const proxy = new CuttingProxy(server.port)
      const endpoint = `${await proxy.listen()}/tus`
      // The first connection carries OPTIONS, POST and the first PATCH: cut it mid-body.
      proxy.cutAfter(cut)
      const transport = recordingTransport()
      const uploader = uploaderFor(endpoint, transport, { hashing: false, stream })
      const done = finished(uploader)
      uploader.add(await diskFile(source.path, `cut-${String(stream)}.bin`))
      const upload = await done
      await proxy.close()
      expect(upload.status.state).toBe('done')
      if (upload.status.state !== 'done') return
      expect(proxy.cutsDone).toBe(1)
      const id = idOf(upload.status.result.location)
      // The cut PATCH is followed by a HEAD, then PATCHes from where HEAD said.
      const at = transport.log.indexOf(`HEAD /tus/${id}`)
      expect(transport.log.slice(0, at)).toEqual(['OPTIONS /tus', 'POST /tus', `PATCH /tus/${id}`])
      expect(transport.log.slice(at + 1).every((line) => line === `PATCH /tus/${id}`)).toBe(true)
      expect(upload.retries).toBe(1)
      // Only what was in flight when the socket died goes twice, not the part it was in.
      expect(upload.bytesResent).toBeLessThan(2 * MiB)
      expect(upload.bytesUploaded).toBe(64 * MiB)
      expect(await md5OfFile(join(root, 'tus', id))).toBe(source.md5)
      uploader.destroy()
    })
  }

  it('cancel terminates the upload: DELETE, then the server knows it no more', async () => {
    const other = await randomFile(48 * MiB, 'vcu-cancel-48m.bin')
    const transport = recordingTransport()
    const uploader = uploaderFor(`${server.url}/tus`, transport, { stream: false })
    const done = finished(uploader)
    const [added] = uploader.add(await diskFile(other.path, 'cancel.bin')).added
    await new Promise<void>((resolve) => uploader.on('part-uploaded', () => resolve()))
    await uploader.cancel(added.id)
    expect((await done).status.state).toBe('canceled')
    const deleted = transport.log.find((l) => l.startsWith('DELETE /tus/'))
    expect(deleted).toBeDefined()
    const id = idOf(deleted)
    expect(existsSync(join(root, 'tus', id))).toBe(false)
    const head = await fetch(`${server.url}/tus/${id}`, {
      method: 'HEAD',
      headers: { 'tus-resumable': '1.0.0' },
    })
    expect(head.status).toBe(404)
    uploader.destroy()
  })

  it('an upload past its expiry answers HEAD with 410, which the client reports as expired', async () => {
    const protocol = createTusProtocol({ endpoint: `${server.url}/short` })
    const ctx = {
      transport: createAxiosTransport(),
      clock: systemClock,
      signal: AbortSignal.timeout(10_000),
    }
    const plan = { size: 1000, partSize: 1000, count: 1 }
    const file = { name: 'x', size: 1000, type: '', lastModified: 1 }
    const created = await protocol.create({ ...ctx, file, fingerprint: 'f', plan, metadata: {} })
    if (created.kind !== 'created') throw new Error('not created')
    expect(created.remote.expiresAt).toEqual(expect.any(Number))
    expect(await protocol.status({ ...ctx, remote: created.remote, plan })).toEqual({
      parts: [],
      offset: 0,
    })
    // Upload-Expires has whole seconds; the server counts from its own creation time.
    await new Promise((resolve) => setTimeout(resolve, 2700))
    await expect(protocol.status({ ...ctx, remote: created.remote, plan })).rejects.toMatchObject({
      code: 'expired',
      retryable: false,
    })
  })
})
