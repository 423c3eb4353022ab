/**
 * The one file that wires the default adapters into the engine: axios for HTTP, spark-md5
 * in a Web Worker for hashing, and a resume store. Everything here is reached lazily, so
 * importing it has no side effects and is safe during server rendering.
 */
import { createUploader, type Uploader, type UploaderOptions } from '../core'
import { createHasher, type Md5Engine } from '../hashing'
import { createIdbStore, createMemoryStore } from '../persistence'
import { createAxiosTransport } from '../transport'

export type DefaultUploaderOptions = Omit<UploaderOptions, 'transport'> &
  Partial<Pick<UploaderOptions, 'transport'>> & {
    /** `false` keeps resume records in memory only (no resume across visits). @default true */
    readonly persistence?: boolean
    /**
     * The MD5 implementation of the default hasher (ignored when you pass `hasher`):
     * `'spark'` (spark-md5) or `'wasm'` (hash-wasm, ~3× faster, loaded only when chosen).
     * spark-md5 stays the default because WebAssembly needs `'wasm-unsafe-eval'` under a
     * strict Content Security Policy; where it is refused, hashing falls back to spark-md5
     * and the uploader emits a `warning` with code `wasm-unavailable`.
     * @default 'spark'
     */
    readonly md5?: Md5Engine
  }

/**
 * `createUploader` with the default adapters filled in: any of `transport`, `hasher` and
 * `store` you pass wins. Hashing can be switched off with `hashing: false`.
 */
export function createDefaultUploader(options: DefaultUploaderOptions): Uploader {
  // A hasher we create is ours to dispose with the uploader; one passed in is the caller's.
  const owned =
    options.hasher || options.hashing === false ? undefined : createHasher({ md5: options.md5 })
  const uploader = createUploader({
    ...options,
    transport: options.transport ?? createAxiosTransport(),
    hasher: options.hasher ?? owned,
    // IndexedDB where the browser has it (resume across visits), memory otherwise (SSR, tests).
    store:
      options.store ??
      (typeof indexedDB === 'undefined' || options.persistence === false
        ? createMemoryStore()
        : createIdbStore()),
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
