import { set as idbSet, createStore } from 'idb-keyval'
import { describe, expect, it } from 'vitest'
import { createIdbStore } from '../../src/persistence'
import { recordOf } from '../fakes/records'

describe('IndexedDB resume store (fake-indexeddb)', () => {
  it('round-trips records (expired ones too) and drops foreign and corrupt ones without throwing', async () => {
    const dbName = `t-${Math.random()}`
    const store = createIdbStore({ dbName })
    await store.set('good', recordOf('good'))
    await store.set('old', recordOf('old', { expiresAt: 5 }))
    const raw = createStore(dbName, 'resume')
    await idbSet('foreign', { hello: 'world' }, raw)
    await idbSet('future', { ...recordOf('future'), v: 99 }, raw)
    await idbSet('half', { ...recordOf('half'), parts: [{ index: 'x' }] }, raw)
    expect(await store.get('good')).toEqual(recordOf('good'))
    // Expired: still returned, for the engine to delete its server upload first.
    expect(await store.get('old')).toEqual(recordOf('old', { expiresAt: 5 }))
    expect(await store.get('foreign')).toBeUndefined()
    expect((await store.list()).map((r) => r.key).sort()).toEqual(['good', 'old'])
    await store.delete('good')
    await store.delete('old')
    expect(await store.list()).toEqual([])
  })
})
