import type { ResumeRecord, ResumeStore } from '../core'

/**
 * Resume records in memory: for tests, SSR, and browsers without IndexedDB (uploads then
 * resume within the page's life only). Records are cloned so callers can't alias them.
 */
export function createMemoryStore(
  now: () => number = Date.now,
): ResumeStore & { readonly size: number } {
  const records = new Map<string, ResumeRecord>()
  return {
    async get(key) {
      const record = records.get(key)
      if (record && record.expiresAt <= now()) {
        records.delete(key)
        return undefined
      }
      return record && structuredClone(record)
    },
    async set(key, record) {
      records.set(key, structuredClone(record))
    },
    async delete(key) {
      records.delete(key)
    },
    async list() {
      return [...records.values()].filter((r) => r.expiresAt > now()).map((r) => structuredClone(r))
    },
    get size() {
      return records.size
    },
  }
}
