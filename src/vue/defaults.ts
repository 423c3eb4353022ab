/**
 * The one file that wires the default adapters into the engine: axios for HTTP, spark-md5
 * in a Web Worker for hashing, a resume store, and Web Locks plus a BroadcastChannel
 * between tabs. Everything here is reached lazily, so
 * importing it has no side effects and is safe during server rendering.
 */
import { createUploader, type Uploader, type UploaderOptions } from '../core'
import { createHasher, type Md5Engine } from '../hashing'
import { createIdbStore, createMemoryStore } from '../persistence'
import { createTabChannel, createWebLocks } from '../tabs'
import { createAxiosTransport } from '../transport'

/** Options of {@link createDefaultUploader}: `UploaderOptions`, with the default adapters optional. */
export type DefaultUploaderOptions = Omit<UploaderOptions, 'transport' | 'store'> &
  Partial<Pick<UploaderOptions, 'transport'>> & {
    /**
     * Where resume records go: a `ResumeStore`, `'auto'` (IndexedDB, in memory where it is
     * missing or broken) or `false` (in memory only: no resume across visits). @default 'auto'
     */
    readonly store?: UploaderOptions['store'] | 'auto' | false
    /**
     * `false` lets the same upload run in two tabs and hides other tabs' progress (no Web
     * Locks, no BroadcastChannel). `locks` and `peers` you pass win. @default true
     */
    readonly crossTab?: boolean
    /**
     * The MD5 implementation of the default hasher (ignored when you pass `hasher`):
     * `'wasm'` (hash-wasm, ~3× faster) or `'spark'` (spark-md5, never WebAssembly). By
     * default the Worker uses `'wasm'` and the main-thread fallback `'spark'`. WebAssembly
     * needs `'wasm-unsafe-eval'` under a strict Content Security Policy; where it is refused,
     * hashing falls back to spark-md5 and the uploader emits a `warning` with code
     * `wasm-unavailable`.
     * @default 'wasm' in the Worker, 'spark' on the main thread
     */
    readonly md5?: Md5Engine
    /**
     * Where the default hasher loads its worker from (ignored when you pass `hasher`): a
     * copy of the package's self-contained `dist/md5.worker.js` on a CDN or your own host.
     * A cross-origin URL is started through a same-origin `blob:` module that imports it
     * (browsers refuse cross-origin workers), so the host must send CORS headers.
     * @default the `new URL('./md5.worker.js', import.meta.url)` worker your bundler emits
     */
    readonly workerUrl?: string | URL
  }

/**
 * `createUploader` with the default adapters filled in: any of `transport`, `hasher` and
 * `store` you pass wins. Hashing can be switched off with `hashing: false`.
 */
export function createDefaultUploader(options: DefaultUploaderOptions): Uploader {
  // A hasher we create is ours to dispose with the uploader; one passed in is the caller's.
  const owned =
    options.hasher || options.hashing === false
      ? undefined
      : createHasher({ md5: options.md5, worker: { workerUrl: options.workerUrl } })
  const crossTab = options.crossTab !== false
  // A channel we open is ours to close with the uploader; one passed in is the caller's.
  const channel = options.peers || !crossTab ? undefined : createTabChannel()
  const uploader = createUploader({
    ...options,
    transport: options.transport ?? createAxiosTransport(),
    hasher: options.hasher ?? owned,
    // IndexedDB (resume across visits); where it is missing or broken the engine warns once
    // (`storage-unavailable`) and keeps records in memory.
    store:
      typeof options.store === 'object'
        ? options.store
        : options.store === false
          ? createMemoryStore()
          : createIdbStore(),
    locks: options.locks ?? (crossTab ? createWebLocks() : undefined),
    peers: options.peers ?? channel,
  })
  if (!owned && !channel) return uploader
  return {
    ...uploader,
    destroy() {
      uploader.destroy()
      owned?.dispose()
      channel?.close()
    },
  }
}
