import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval'
import { UploadError, type ResumeRecord, type ResumeStore } from '../core'
import { isResumeRecord } from './validate'

/** Options of {@link createIdbStore}. */
export interface IdbStoreOptions {
  /** IndexedDB database name. @default 'vue-chunked-upload' */
  readonly dbName?: string
  /** Object store name. @default 'resume' */
  readonly storeName?: string
}

/**
 * Resume records in IndexedDB through idb-keyval. The database is opened on first use,
 * never at import. Unreadable and foreign records are deleted when met; expired ones are
 * returned like the others, for the engine to clear on the server first. Where
 * IndexedDB is missing every call rejects with `storage-unavailable` (the engine then
 * warns once and keeps records in memory).
 */
export function createIdbStore(options: IdbStoreOptions = {}): ResumeStore {
  let db: UseStore | undefined
  const store = () => {
    if (typeof indexedDB === 'undefined') {
      throw new UploadError('storage-unavailable', 'IndexedDB is not available', {
        retryable: false,
      })
    }
    return (db ??= createStore(
      options.dbName ?? 'vue-chunked-upload',
      options.storeName ?? 'resume',
    ))
  }
  const usable = isResumeRecord

  return {
    async get(key) {
      const value: unknown = await get(key, store())
      if (value === undefined) return undefined
      if (usable(value)) return value
      await del(key, store()).catch(() => {})
      return undefined
    },
    set: (key, record) => set(key, record, store()),
    delete: (key) => del(key, store()),
    async list() {
      const all = await entries<IDBValidKey, unknown>(store())
      const records: ResumeRecord[] = []
      for (const [key, value] of all) {
        if (usable(value)) records.push(value)
        else await del(key, store()).catch(() => {})
      }
      return records
    },
  }
}
