import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval'
import { UploadError, type ResumeRecord, type ResumeStore } from '../core'
import { isResumeRecord } from './validate'

/** Options of {@link createIdbStore}. */
export interface IdbStoreOptions {
  /** IndexedDB database name. @default 'vue-chunked-upload' */
  readonly dbName?: string
  /** Object store name. @default 'resume' */
  readonly storeName?: string
  /** @default Date.now */
  readonly now?: () => number
}

/**
 * Resume records in IndexedDB through idb-keyval. The database is opened on first use,
 * never at import. Expired, unreadable and foreign records are deleted when met. Where
 * IndexedDB is missing every call rejects with `storage-unavailable` (the engine then
 * warns once and keeps records in memory).
 */
export function createIdbStore(options: IdbStoreOptions = {}): ResumeStore {
  const now = options.now ?? Date.now
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
  const usable = (value: unknown): value is ResumeRecord =>
    isResumeRecord(value) && value.expiresAt > now()

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
