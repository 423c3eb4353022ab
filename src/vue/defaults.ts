/**
 * The one file that wires the default adapters into the engine: axios for HTTP, spark-md5
 * in a Web Worker for hashing, and a resume store. Everything here is reached lazily, so
 * importing it has no side effects and is safe during server rendering.
 */
import { createUploader, type Uploader, type UploaderOptions } from '../core'
import { createHasher } from '../hashing'
import { createIdbStore, createMemoryStore } from '../persistence'
import { createAxiosTransport } from '../transport'

export type DefaultUploaderOptions = Omit<UploaderOptions, 'transport'> &
  Partial<Pick<UploaderOptions, 'transport'>> & {
    /** `false` keeps resume records in memory only (no resume across visits). @default true */
    readonly persistence?: boolean
  }

/**
 * `createUploader` with the default adapters filled in: any of `transport`, `hasher` and
 * `store` you pass wins. Hashing can be switched off with `hashing: false`.
 */
export function createDefaultUploader(options: DefaultUploaderOptions): Uploader {
  // A hasher we create is ours to dispose with the uploader; one passed in is the caller's.
  const owned = options.hasher || options.hashing === false ? undefined : createHasher()
  const uploader = createUploader({
    ...options,
    transport: options.transport ?? createAxiosTransport(),
    hasher: options.hasher ?? owned,
    // IndexedDB (resume across visits); where it is missing or broken the engine warns once
    // (`storage-unavailable`) and keeps records in memory.
    store:
      options.store ?? (options.persistence === false ? createMemoryStore() : createIdbStore()),
  })
  if (!owned) return uploader
  return {
    ...uploader,
    destroy() {
      uploader.destroy()
      owned.dispose()
    },
  }
}
