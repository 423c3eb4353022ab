import { toValue, type MaybeRefOrGetter } from 'vue'
import type {
  Hasher,
  LiveRestrictions,
  Restrictions,
  ResumeStore,
  RetryPolicy,
  Transport,
  Uploader,
  UploaderOptions,
  UploadProtocol,
} from '../core'
import type { DefaultUploaderOptions } from './defaults'
import { featureOptions, type FeatureOptions } from './feature-options'
import type { LocaleName, MessageOverrides } from '../locales'

/**
 * Options of `app.use(UploadPlugin, options)`, `provideChunkedUpload(options)` and
 * `useChunkedUpload(options)`. The restrictions (`accept`, `maxFiles`, `maxFileSize`,
 * `minFileSize`, `maxTotalSize`) are read on every add, by the engine and the dropzone
 * alike; `locale` and `messages` each time a text is shown; the other engine knobs once,
 * when the engine is created on the client.
 * The names are the engine's (see docs/vocabulary.md).
 */
export interface UploadOptions extends FeatureOptions {
  /**
   * The backend: `createHttpProtocol({ endpoint })`, S3, tus or your own. A function is
   * called only when the engine is created (on the client, never during server render).
   */
  protocol?: UploadProtocol | (() => UploadProtocol)
  /**
   * Bring your own engine instead of one built from these options. It stays yours:
   * nothing here destroys it.
   */
  uploader?: Uploader | (() => Uploader)
  /** Accepted types as in `<input accept>`: `.mp4`, `video/mp4`, `video/*`. @default everything */
  accept?: MaybeRefOrGetter<string | readonly string[] | undefined>
  /** Most unfinished files at once. @default Infinity */
  maxFiles?: MaybeRefOrGetter<number | undefined>
  /** Largest file in bytes. @default Infinity */
  maxFileSize?: MaybeRefOrGetter<number | undefined>
  /** Smallest file in bytes. @default 0 */
  minFileSize?: MaybeRefOrGetter<number | undefined>
  /**
   * Largest sum of sizes in bytes of the files not finished or canceled plus the ones being
   * added. @default Infinity
   */
  maxTotalSize?: MaybeRefOrGetter<number | undefined>
  /** Preferred part size in bytes. @default 8 MiB */
  chunkSize?: MaybeRefOrGetter<number | undefined>
  /**
   * Files of at most this many bytes go in one request with no resume record (see the
   * engine's `smallFileThreshold`); `0` turns that off. @default chunkSize
   */
  smallFileThreshold?: MaybeRefOrGetter<number | undefined>
  /** Requests in flight across all files. @default 4 */
  concurrency?: MaybeRefOrGetter<number | undefined>
  /**
   * Part size and parts in flight from measured throughput (see the engine's `adaptive`):
   * `false` uses `chunkSize` and `concurrency` exactly as given. @default true
   */
  adaptive?: MaybeRefOrGetter<boolean | undefined>
  /** Start uploads as soon as files are added. @default true */
  autoStart?: MaybeRefOrGetter<boolean | undefined>
  /** Abort and retry a request with no progress for this many ms. @default 30000 */
  stallTimeoutMs?: MaybeRefOrGetter<number | undefined>
  /** Timeout of control requests in ms. @default 60000 */
  requestTimeoutMs?: MaybeRefOrGetter<number | undefined>
  /** Full MD5 alongside the upload, verified by the server. @default true */
  hashing?: MaybeRefOrGetter<boolean | undefined>
  /**
   * MD5 implementation: `'wasm'` (hash-wasm, ~3× faster) or `'spark'` (spark-md5, never
   * WebAssembly); by default `'wasm'` in the Worker and `'spark'` on the main thread. Under a
   * Content Security Policy without `'wasm-unsafe-eval'` hashing falls back to spark-md5
   * with a `wasm-unavailable` warning. Ignored with `hasher`.
   * @default 'wasm' in the Worker, 'spark' on the main thread
   */
  md5?: DefaultUploaderOptions['md5']
  /**
   * Where the hashing worker is loaded from, for a CDN or custom hosting (the package's
   * `dist/md5.worker.js`, self-contained). Ignored with `hasher`.
   * @default the worker your bundler emits from the package
   */
  workerUrl?: DefaultUploaderOptions['workerUrl']
  retry?: Partial<RetryPolicy>
  /**
   * Where resume records go: `'auto'` is IndexedDB where the browser has it, memory
   * otherwise; `false` keeps them in memory only (no resume across visits). @default 'auto'
   */
  store?: 'auto' | false | ResumeStore
  /**
   * Cross-tab safety: the same upload runs in one tab at a time (Web Locks; the others
   * show it as uploading elsewhere and take over when that tab closes), and each tab sees
   * what the others upload (BroadcastChannel). `false` turns both off. @default true
   */
  crossTab?: boolean
  /** How long a resume record is kept, in ms. @default 7 days */
  resumeExpiryMs?: MaybeRefOrGetter<number | undefined>
  transport?: Transport
  hasher?: Hasher
  /** Language of every text the components and `message()` show. @default 'en' */
  locale?: MaybeRefOrGetter<LocaleName | undefined>
  /** Per-message overrides, e.g. `{ ui: { dropTitle: '…' }, errors: { network: '…' } }`. */
  messages?: MaybeRefOrGetter<MessageOverrides | undefined>
}

/** Later options win; `undefined` never overrides. */
export function mergeOptions(...layers: (UploadOptions | undefined)[]): UploadOptions {
  const merged: Record<string, unknown> = {}
  for (const layer of layers) {
    if (!layer) continue
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) merged[key] = value
  }
  return merged as UploadOptions
}

/** True when the options can produce an engine. */
export function hasEngine(options: UploadOptions): boolean {
  return options.protocol !== undefined || options.uploader !== undefined
}

const RESTRICTIONS = ['accept', 'maxFiles', 'maxFileSize', 'minFileSize', 'maxTotalSize'] as const

/**
 * The restrictions the options name, as getters reading their refs, so the engine checks
 * what the dropzone shows. Restrictions not named are left out (an engine passed in keeps its own).
 */
export function restrictionGetters(options: UploadOptions): LiveRestrictions {
  const getters: Record<string, () => unknown> = {}
  for (const name of RESTRICTIONS) {
    const option = options[name]
    if (option !== undefined) getters[name] = () => toValue(option)
  }
  return getters as LiveRestrictions
}

/** The restrictions the options name, read now (on the server, where there is no engine). */
export function restrictionValues(options: UploadOptions): Restrictions {
  const values: Record<string, unknown> = {}
  for (const name of RESTRICTIONS) values[name] = toValue(options[name])
  return values as Restrictions
}

/** The engine options, read now (restrictions: getters). `store` is resolved by the caller. */
export function toEngineOptions(
  options: UploadOptions,
  protocol: UploadProtocol,
): Omit<UploaderOptions, 'transport' | 'store'> & {
  transport?: Transport
  md5?: DefaultUploaderOptions['md5']
  workerUrl?: DefaultUploaderOptions['workerUrl']
} {
  return {
    ...featureOptions(options),
    protocol,
    transport: options.transport,
    hasher: options.hasher,
    concurrency: toValue(options.concurrency),
    chunkSize: toValue(options.chunkSize),
    smallFileThreshold: toValue(options.smallFileThreshold),
    adaptive: toValue(options.adaptive),
    autoStart: toValue(options.autoStart),
    stallTimeoutMs: toValue(options.stallTimeoutMs),
    requestTimeoutMs: toValue(options.requestTimeoutMs),
    hashing: toValue(options.hashing),
    md5: options.md5,
    workerUrl: options.workerUrl,
    retry: options.retry,
    resumeExpiryMs: toValue(options.resumeExpiryMs),
    ...restrictionGetters(options),
  }
}
