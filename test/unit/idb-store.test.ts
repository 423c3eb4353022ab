import { set as idbSet, createStore } from 'idb-keyval'
import { describe, expect, it } from 'vitest'
import { RESUME_RECORD_VERSION, type ResumeRecord } from '../../src/core'
import { createIdbStore } from '../../src/persistence'

const record = (key: string, expiresAt = 10_000): ResumeRecord => ({
  v: RESUME_RECORD_VERSION,
  key,
  fingerprint: '1:abc',
  file: { name: 'a.bin', size: 1, type: '', lastModified: 1 },
  protocol: 'http',
  remote: { id: 'x' },
  plan: { size: 1, partSize: 1, count: 1 },
  parts: [{ index: 0, size: 1 }],
  createdAt: 0,
  updatedAt: 0,
  expiresAt,
})

describe('IndexedDB resume store (fake-indexeddb)', () => {
  it('round-trips records (expired ones too) and drops foreign and corrupt ones without throwing', async () => {
    const dbName = `t-${Math.random()}`
    const store = createIdbStore({ dbName })
    await store.set('good', record('good'))
    await store.set('old', record('old', 5))
    const raw = createStore(dbName, 'resume')
    await idbSet('foreign', { hello: 'world' }, raw)
    await idbSet('future', { ...record('future'), v: 99 }, raw)
    await idbSet('half', { ...record('half'), parts: [{ index: 'x' }] }, raw)
    expect(await store.get('good')).toEqual(record('good'))
    // Expired: still returned, for the engine to delete its server upload first.
    expect(await store.get('old')).toEqual(record('old', 5))
    expect(await store.get('foreign')).toBeUndefined()
    expect((await store.list()).map((r) => r.key).sort()).toEqual(['good', 'old'])
    await store.delete('good')
    await store.delete('old')
    expect(await store.list()).toEqual([])
  })
})
