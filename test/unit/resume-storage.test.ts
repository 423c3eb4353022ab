/**
 * Resume storage that is missing, blocked, full or holding bad records: uploads go on,
 * the app hears about it once, and nothing already saved is lost.
 */
import { createStore, set as idbSet, get as idbGet } from 'idb-keyval'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createUploader,
  RESUME_RECORD_VERSION,
  UploadError,
  type ResumeStore,
  type Uploader,
} from '../../src/core'
import { createIdbStore, createMemoryStore } from '../../src/persistence'
import { FakeHasher } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { fileOf } from '../fakes/files'
import { recordOf } from '../fakes/records'
import { ScriptedTransport } from '../fakes/scripted-transport'

function run(store: ResumeStore, protocol = new FakeProtocol({ onPart: autoSucceed })) {
  const uploader = createUploader({
    protocol,
    transport: new ScriptedTransport(),
    hasher: new FakeHasher(),
    store,
    chunkSize: 100,
    storageTimeoutMs: 100,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  })
  const warnings: UploadError[] = []
  uploader.on('warning', ({ error }) => warnings.push(error))
  return { uploader, warnings, protocol }
}

function done(uploader: Uploader): Promise<string> {
  return new Promise((resolve) => {
    uploader.on('upload-success', () => resolve('done'))
    uploader.on('upload-error', ({ error }) => resolve(`error:${error.code}`))
  })
}

afterEach(() => vi.unstubAllGlobals())

describe('resume records in IndexedDB', () => {
  it('drops records of an older version and corrupt ones, keeping the rest (expired ones too: the engine clears those)', async () => {
    const dbName = `v-${Math.random()}`
    const store = createIdbStore({ dbName })
    const raw = createStore(dbName, 'resume')
    await store.set('good', recordOf('good'))
    await idbSet('older', { ...recordOf('older'), v: RESUME_RECORD_VERSION - 1 }, raw)
    await idbSet('noversion', { ...recordOf('noversion'), v: undefined }, raw)
    await idbSet('string', 'not a record', raw)
    await idbSet('badclear', { ...recordOf('badclear'), clearing: 'yes' }, raw)
    await store.set('expiring', recordOf('expiring', { expiresAt: 50 }))
    expect(await store.get('older')).toBeUndefined()
    expect((await store.list()).map((r) => r.key).sort()).toEqual(['expiring', 'good'])
    expect(await store.get('expiring')).toEqual(recordOf('expiring', { expiresAt: 50 }))
    // Dropped, not only hidden: the bad values are gone from the database.
    for (const key of ['older', 'noversion', 'string', 'badclear'])
      expect(await idbGet(key, raw)).toBeUndefined()
  })

  it('keeps a structured-cloneable handle and the clearing mark with the record', async () => {
    const store = createIdbStore({ dbName: `h-${Math.random()}` })
    const handle = { kind: 'file', name: 'a.bin', nested: new Map([['x', 1]]) }
    await store.set('k', recordOf('k', { handle, clearing: true }))
    const back = await store.get('k')
    expect(back?.handle).toEqual(handle)
    expect(back?.clearing).toBe(true)
  })

  it('writes the record as parts are acknowledged and deletes it on success', async () => {
    const inner = createMemoryStore()
    const writes: number[] = []
    const store: ResumeStore = {
      ...inner,
      get: inner.get,
      list: inner.list,
      delete: inner.delete,
      set: async (key, value) => {
        writes.push(value.parts.length)
        await inner.set(key, value)
      },
    }
    const { uploader, warnings } = run(store)
    const end = done(uploader)
    uploader.add(fileOf(450))
    expect(await end).toBe('done')
    await uploader.flush()
    expect(writes[0]).toBe(0) // written when created, before any part
    expect(Math.max(...writes)).toBeGreaterThan(0)
    await vi.waitFor(() => expect(inner.size).toBe(0))
    expect(warnings).toEqual([])
  })

  it('expires records after resumeExpiryMs (the store keeps them for the engine to clear)', async () => {
    let now = 1_000
    const store = createMemoryStore()
    const uploader = createUploader({
      protocol: new FakeProtocol({ onPart: () => {} }),
      transport: new ScriptedTransport(),
      store,
      chunkSize: 100,
      resumeExpiryMs: 60_000,
      clock: {
        now: () => now,
        setTimeout: (fn, ms) => {
          const t = setTimeout(fn, ms)
          return () => clearTimeout(t)
        },
      },
    })
    uploader.add(fileOf(300))
    await vi.waitFor(async () => expect(store.size).toBe(1))
    uploader.destroy()
    const [saved] = await store.list()
    expect(saved.expiresAt).toBe(saved.updatedAt + 60_000)
    now = saved.expiresAt + 1
    expect(await store.list()).toEqual([saved])
    expect(await store.get(saved.key)).toEqual(saved)
  })
})

describe('broken storage never stops an upload', () => {
  it('IndexedDB missing: one storage-unavailable warning, the upload completes', async () => {
    vi.stubGlobal('indexedDB', undefined)
    const { uploader, warnings } = run(createIdbStore())
    const end = done(uploader)
    uploader.add(fileOf(350))
    expect(await end).toBe('done')
    expect(await uploader.pending()).toEqual([])
    expect(warnings.map((w) => w.code)).toEqual(['storage-unavailable'])
  })

  it('IndexedDB blocked (the open never answers): warns once after the timeout, completes', async () => {
    // An open request whose events never fire, as when another tab blocks the database.
    vi.stubGlobal('indexedDB', { open: () => ({}) })
    const { uploader, warnings } = run(createIdbStore({ dbName: 'blocked' }))
    const end = done(uploader)
    uploader.add(fileOf(350))
    expect(await end).toBe('done')
    expect(warnings.map((w) => w.code)).toEqual(['storage-unavailable'])
  })

  it('object store missing in an existing database: warns once, completes', async () => {
    const dbName = `other-${Math.random()}`
    await idbSet('x', 1, createStore(dbName, 'not-resume'))
    const { uploader, warnings } = run(createIdbStore({ dbName }))
    const end = done(uploader)
    uploader.add(fileOf(350))
    expect(await end).toBe('done')
    expect(warnings).toHaveLength(1)
    expect(warnings[0].code).toBe('storage-unavailable')
  })

  it('storage full: one storage-full warning, the upload completes, the saved record is kept', async () => {
    const inner = createMemoryStore()
    let writes = 0
    const full: ResumeStore = {
      get: inner.get,
      list: inner.list,
      delete: inner.delete,
      async set(key, value) {
        if (++writes > 1) throw new DOMException('quota', 'QuotaExceededError')
        await inner.set(key, value)
      },
    }
    // Parts never answer: the record written at creation stays the last good one.
    const protocol = new FakeProtocol()
    const { uploader, warnings } = run(full, protocol)
    uploader.add(fileOf(350))
    for (let i = 0; i < 2; i++) (await protocol.nextPart()).succeed()
    await vi.waitFor(() => expect(warnings.map((w) => w.code)).toEqual(['storage-full']))
    const [kept] = await inner.list()
    expect(kept.parts).toEqual([]) // the older record, intact
    const end = done(uploader)
    for (let i = 0; i < 2; i++) (await protocol.nextPart()).succeed()
    expect(await end).toBe('done')
    expect(warnings).toHaveLength(1)
  })

  it('corrupt values in the store are dropped without a throw, and uploads resume', async () => {
    const dbName = `c-${Math.random()}`
    await idbSet('vcu|fake|memory://fake|x', { v: 1, key: 42 }, createStore(dbName, 'resume'))
    const { uploader, warnings } = run(createIdbStore({ dbName }))
    expect(await uploader.pending()).toEqual([])
    const end = done(uploader)
    uploader.add(fileOf(250))
    expect(await end).toBe('done')
    expect(warnings).toEqual([])
  })
})
