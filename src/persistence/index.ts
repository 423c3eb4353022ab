export { createMemoryStore } from './memory-store'
export { createIdbStore, type IdbStoreOptions } from './idb-store'
export { isResumeRecord } from './validate'
