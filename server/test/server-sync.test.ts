/**
 * What the HTTP chunk store syncs per small file (issue 16, the reference server's
 * per-request cost) and that the cuts keep issue 14's crash guarantee: no meta claims a
 * chunk, or a completed file, whose bytes are not synced.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { open, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  complete,
  createUpload,
  eventually,
  md5Hex,
  putChunk,
  randomFile,
  startTestServer,
  type TestServer,
} from '../testing/harness'

let server: TestServer | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await server?.dispose()
  server = undefined
})

type SyncProto = Record<'sync' | 'datasync', () => Promise<void>>

/** The FileHandle prototype, whose sync and datasync every file handle uses. */
async function handleProto(dir: string): Promise<SyncProto> {
  const probe = await open(join(dir, 'probe'), 'w')
  const proto = Object.getPrototypeOf(probe) as SyncProto
  await probe.close()
  return proto
}

/** Counts every fsync and fdatasync from now on. */
async function countSyncs(dir: string): Promise<() => number> {
  const proto = await handleProto(dir)
  let calls = 0
  for (const key of ['sync', 'datasync'] as const) {
    const real = proto[key]
    vi.spyOn(proto, key).mockImplementation(function (this: unknown) {
      calls++
      return real.call(this)
    })
  }
  return () => calls
}

describe('syncs per small file', () => {
  it('a one-chunk file: nothing at create, 3 syncs before the chunk’s 204, 2 at completion', async () => {
    server = await startTestServer()
    const file = randomFile(100 * 1024)
    const syncs = await countSyncs(server.root)
    const created = await createUpload(server, file)
    expect(created.status).toBe(201)
    expect(syncs()).toBe(0)
    expect((await putChunk(server, created.body.id, 0, file)).status).toBe(204)
    // The part's data, the meta's tmp file, the uploads directory.
    expect(syncs()).toBe(3)
    const done = await complete(server, created.body.id, md5Hex(file))
    expect(done.status).toBe(200)
    // The file meta's tmp file and the files directory; the part is not synced again.
    expect(syncs()).toBe(5)
  })

  it('an empty file: completion syncs the part and its directory itself (no chunk write did)', async () => {
    server = await startTestServer()
    const syncs = await countSyncs(server.root)
    const created = await createUpload(server, Buffer.alloc(0))
    expect((await complete(server, created.body.id)).status).toBe(200)
    expect(syncs()).toBe(4)
  })
})

describe('crash guarantees kept', () => {
  it('after a restart, a completion syncs the part before the file meta claims it', async () => {
    const first = await startTestServer()
    server = first
    const file = randomFile(100 * 1024)
    const id = (await createUpload(first, file)).body.id as string
    expect((await putChunk(first, id, 0, file)).status).toBe(204)
    // A restart: the page cache may still hold bytes no sync of this process covered.
    await first.close()
    server = await first.restart()
    const proto = await handleProto(server.root)
    let release!: () => void
    const hung = new Promise<void>((resolve) => (release = resolve))
    const real = proto.datasync
    const sync = vi.spyOn(proto, 'datasync').mockImplementation(async function (this: unknown) {
      await hung
      return real.call(this)
    })
    let answered = false
    const done = complete(server, id).then((answer) => {
      answered = true
      return answer
    })
    await eventually(async () => answered || sync.mock.calls.length > 0)
    const fileMeta = join(server.root, 'files', `${id}.json`)
    expect(
      await stat(fileMeta).then(
        () => true,
        () => false,
      ),
    ).toBe(false)
    expect(answered).toBe(false)
    release()
    expect((await done).status).toBe(200)
    expect(
      await stat(fileMeta).then(
        () => true,
        () => false,
      ),
    ).toBe(true)
  })
})
