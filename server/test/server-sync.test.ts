/**
 * What the HTTP chunk store syncs per small file (issue 16, the reference server's
 * per-request cost) and that the cuts keep issue 14's crash guarantee: no meta claims a
 * chunk, or a completed file, whose bytes are not synced.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  complete,
  createUpload,
  eventually,
  getStatus,
  md5Hex,
  putChunk,
  randomFile,
  startTestServer,
  type TestServer,
} from '../testing/harness'
import { syncDirectory } from '../http-chunk/meta'

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

/** Sends a whole file through the small-file route (`PUT /uploads`), verified by its MD5. */
async function putSmall(target: TestServer, file: Buffer) {
  const info = { name: 'photo.jpg', size: file.length, hash: md5Hex(file) }
  const response = await fetch(`${target.httpUrl}/uploads`, {
    method: 'PUT',
    headers: { 'upload-info': encodeURIComponent(JSON.stringify(info)) },
    body: file as Uint8Array<ArrayBuffer>,
  })
  return { status: response.status, body: (await response.json()) as { id: string } }
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  )

/** Names in the store's files/ folder. */
const filesIn = (target: TestServer) => readdir(join(target.root, 'files'))

/** Makes every call of `key` wait until released while `hold()` says so; counts the calls. */
async function holdSyncs(
  dir: string,
  key: 'sync' | 'datasync',
  hold: () => Promise<boolean> | boolean,
): Promise<{ held: () => number; release: () => void }> {
  const proto = await handleProto(dir)
  const real = proto[key]
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  let held = 0
  vi.spyOn(proto, key).mockImplementation(async function (this: unknown) {
    if (await hold()) {
      held++
      await gate
    }
    return real.call(this)
  })
  return { held: () => held, release }
}

describe('small-file route (PUT /uploads): written in place, 3 syncs in 2 waits', () => {
  it('syncs the data, the meta’s tmp file and files/ once each, and keeps nothing in uploads/', async () => {
    server = await startTestServer()
    const file = randomFile(100 * 1024)
    const syncs = await countSyncs(server.root)
    const res = await putSmall(server, file)
    expect(res.status).toBe(201)
    expect(syncs()).toBe(3)
    expect(await readdir(join(server.root, 'uploads'))).toEqual([])
    expect((await filesIn(server)).sort()).toEqual([res.body.id, `${res.body.id}.json`].sort())
  })

  it('no meta names the file before its bytes are synced', async () => {
    server = await startTestServer()
    const file = randomFile(100 * 1024)
    const data = await holdSyncs(server.root, 'datasync', () => true)
    let answered = false
    const done = putSmall(server, file).then((answer) => {
      answered = true
      return answer
    })
    await eventually(async () => data.held() > 0)
    // The meta's tmp file may be written and synced meanwhile, but not renamed into place.
    expect((await filesIn(server)).filter((name) => name.endsWith('.json'))).toEqual([])
    expect(answered).toBe(false)
    data.release()
    const res = await done
    expect(res.status).toBe(201)
    expect(await exists(join(server.root, 'files', `${res.body.id}.json`))).toBe(true)
  })

  it('answers only once files/ is synced after the meta’s rename', async () => {
    server = await startTestServer()
    const root = server.root
    const file = randomFile(100 * 1024)
    // A sync once a meta is in place is the directory's: hold it.
    const metaInPlace = async () =>
      (await readdir(join(root, 'files'))).some((name) => name.endsWith('.json'))
    const dir = await holdSyncs(root, 'sync', metaInPlace)
    let answered = false
    const done = putSmall(server, file).then((answer) => {
      answered = true
      return answer
    })
    await eventually(async () => dir.held() > 0)
    expect(answered).toBe(false)
    dir.release()
    expect((await done).status).toBe(201)
  })

  it('a restart removes a file whose meta was never put in place', async () => {
    const first = await startTestServer()
    server = first
    const file = randomFile(100 * 1024)
    const data = await holdSyncs(first.root, 'datasync', () => true)
    const cut = putSmall(first, file).catch(() => undefined)
    await eventually(async () => data.held() > 0)
    // The crash: the process ends with the data file written, its meta not in place.
    const orphans = await filesIn(first)
    expect(orphans.filter((name) => !name.includes('.'))).toHaveLength(1)
    vi.restoreAllMocks()
    data.release()
    await cut
    const id = orphans.find((name) => !name.includes('.'))!
    const store = join(first.root, 'files')
    await rm(join(store, `${id}.json`), { force: true })
    await first.close()
    server = await first.restart()
    expect((await getStatus(server, id)).status).toBe(404)
    expect(await filesIn(server)).toEqual([])
  })
})

describe('directory syncs: group commit', () => {
  it('callers that come while a sync runs share the next one, which starts after it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vcu-dir-sync-'))
    try {
      const proto = await handleProto(dir)
      const real = proto.sync
      const gates: (() => void)[] = []
      vi.spyOn(proto, 'sync').mockImplementation(async function (this: unknown) {
        await new Promise<void>((resolve) => gates.push(resolve))
        return real.call(this)
      })
      const settled: string[] = []
      const first = syncDirectory(dir).then(() => settled.push('first'))
      await eventually(async () => gates.length === 1)
      // These may have renamed after the running sync began: it cannot cover them.
      const second = syncDirectory(dir).then(() => settled.push('second'))
      const third = syncDirectory(dir).then(() => settled.push('third'))
      gates[0]()
      await first
      expect(settled).toEqual(['first'])
      await eventually(async () => gates.length === 2)
      expect(settled).toEqual(['first'])
      gates[1]()
      await Promise.all([second, third])
      // Three callers, two fsyncs.
      expect(gates).toHaveLength(2)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
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
