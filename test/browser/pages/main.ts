/**
 * The page the browser tests and the benchmark drive. It uses the package's public entry,
 * like an app, and exposes a few measured operations on `window.vcu`.
 */
import * as tus from 'tus-js-client'
import {
  createDefaultUploader,
  createHttpProtocol,
  createS3Protocol,
  createTusProtocol,
  formatError,
  type UploadResult,
  type UploadSnapshot,
} from 'vue-chunked-upload'
import { createHasher, createInlineHasher } from 'vue-chunked-upload/hashing'
import { folderBytes } from './folder-bytes'
import { uppyS3 } from './uppy'

export interface UploadRun {
  readonly ms: number
  readonly firstByteMs: number
  readonly result?: UploadResult
  readonly error?: { code: string; message: string }
  readonly hash?: string
  readonly hashMs?: number
  readonly longestTaskMs: number
  readonly requests: number
  readonly upload: UploadSnapshot
  /** The uploader's `warning` events, with what an app shows for each (en and zh-CN). */
  readonly warnings: readonly { code: string; en: string; zhCN: string }[]
}

/** Browser features a run can take away, to prove the library's fallback for each. */
export type Feature = 'Worker' | 'locks' | 'BroadcastChannel' | 'estimate'

/** Takes the features away (as a browser without them); gives back a function that restores them. */
function withoutFeatures(features: readonly Feature[]): () => void {
  const restore: (() => void)[] = []
  const scope = window as unknown as Record<string, unknown>
  for (const feature of features) {
    if (feature === 'Worker' || feature === 'BroadcastChannel') {
      const saved = scope[feature]
      scope[feature] = undefined
      restore.push(() => (scope[feature] = saved))
    } else if (feature === 'locks') {
      Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true })
      restore.push(() => delete (navigator as unknown as Record<string, unknown>).locks)
    } else if (typeof StorageManager !== 'undefined') {
      // (WebKitGTK under automation has no StorageManager at all.)
      const proto = StorageManager.prototype as unknown as Record<string, unknown>
      const saved = proto.estimate
      delete proto.estimate
      restore.push(() => saved && (proto.estimate = saved))
    }
  }
  return () => restore.forEach((undo) => undo())
}

/** Every IndexedDB write fails as a full disk does (QuotaExceededError); gives back the undo. */
function fullStorage(): () => void {
  const proto = IDBObjectStore.prototype
  const put = proto.put
  proto.put = function () {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
  }
  return () => (proto.put = put)
}

// Requests are counted from resource timing; the default buffer of 250 would cap them.
performance.setResourceTimingBufferSize(100_000)
const longTasks: { start: number; duration: number }[] = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    longTasks.push({ start: entry.startTime, duration: entry.duration })
}).observe({ type: 'longtask', buffered: true })

function file(): File {
  const input = document.querySelector<HTMLInputElement>('#file')!
  if (!input.files?.[0]) throw new Error('no file chosen')
  return input.files[0]
}

/**
 * The longest task that started at or after `since` (default: any). Entries are delivered
 * late on a busy machine, so page-load tasks can arrive after an operation began: they are
 * filtered by their start time, not by when they were observed.
 */
function takeLongest(since = 0): number {
  const longest = Math.max(0, ...longTasks.filter((t) => t.start >= since).map((t) => t.duration))
  longTasks.length = 0
  return longest
}

async function upload(options: {
  endpoint: string
  /** Which protocol speaks to `endpoint` (default 'http'). */
  protocol?: 'http' | 'tus' | 's3'
  hashing?: boolean
  chunkSize?: number
  concurrency?: number
  stream?: boolean
  /** Hash in a pool of this many Workers instead of the default pool. */
  hashWorkers?: number
  /** The MD5 implementation (the uploader's `md5` option). */
  md5?: 'spark' | 'wasm'
  /** `false`: fixed part size and lanes (the uploader's `adaptive` option). */
  adaptive?: boolean
  /** The uploader's `smallFileThreshold` (0: every file takes the multipart path). */
  smallFileThreshold?: number
  /** Browser features taken away for this run. */
  without?: readonly Feature[]
  /** IndexedDB writes fail with QuotaExceededError during this run. */
  storageFull?: boolean
}): Promise<UploadRun> {
  const restoreFeatures = withoutFeatures(options.without ?? [])
  const restoreStorage = options.storageFull ? fullStorage() : () => {}
  try {
    return await runUpload(options)
  } finally {
    restoreFeatures()
    restoreStorage()
  }
}

/** XHR and fetch requests since resource entry `before` (module loads are not counted). */
const requestsSince = (before: number): number =>
  performance
    .getEntriesByType('resource')
    .slice(before)
    .filter((entry) =>
      ['xmlhttprequest', 'fetch'].includes((entry as PerformanceResourceTiming).initiatorType),
    ).length

/** The protocol a test names, talking to `endpoint` (the HTTP chunk protocol by default). */
function protocolFor(protocol: 'http' | 'tus' | 's3' | undefined, endpoint: string) {
  if (protocol === 's3') return createS3Protocol({ endpoint })
  if (protocol === 'tus') return createTusProtocol({ endpoint })
  return createHttpProtocol({ endpoint })
}

async function runUpload(options: Parameters<typeof upload>[0]): Promise<UploadRun> {
  takeLongest()
  const hasher = options.hashWorkers
    ? createHasher({ worker: { workers: options.hashWorkers }, md5: options.md5 })
    : undefined
  const requestsBefore = performance.getEntriesByType('resource').length
  const uploader = createDefaultUploader({
    protocol: protocolFor(options.protocol, options.endpoint),
    hashing: options.hashing ?? true,
    hasher,
    chunkSize: options.chunkSize,
    concurrency: options.concurrency,
    stream: options.stream,
    md5: options.md5,
    adaptive: options.adaptive,
    smallFileThreshold: options.smallFileThreshold,
  })
  const started = performance.now()
  let hashMs: number | undefined
  uploader.on('upload-hashed', ({ durationMs }) => (hashMs = durationMs))
  const warnings: { code: string; en: string; zhCN: string }[] = []
  uploader.on('warning', ({ error }) =>
    warnings.push({
      code: error.code,
      en: formatError(error, 'en'),
      zhCN: formatError(error, 'zh-CN'),
    }),
  )
  const finished = new Promise<UploadSnapshot>((resolve) => {
    uploader.on('upload-success', ({ upload }) => resolve(upload))
    uploader.on('upload-error', ({ upload }) => resolve(upload))
  })
  uploader.add(file())
  const snapshot = await finished
  const ms = performance.now() - started
  uploader.destroy()
  hasher?.dispose()
  // When the first request carrying file bytes started (progress events are throttled by
  // XHR and axios, so they would overstate it). A small file's one request (the uploader's
  // `smallFileThreshold`, by default `chunkSize`) is the last to its URL: tus asks OPTIONS
  // at the same URL first, and no create precedes it.
  const threshold = options.smallFileThreshold ?? options.chunkSize ?? 8 * 1024 * 1024
  const small = snapshot.file.size <= threshold
  const entries = performance.getEntriesByType('resource').slice(requestsBefore)
  const bodyRequest = small
    ? entries
        .filter((entry) =>
          (options.protocol === 's3'
            ? /[?&]X-Amz-Signature=/
            : options.protocol === 'tus'
              ? /\/tus\/?$/
              : /\/uploads$/
          ).test(entry.name),
        )
        .at(-1)
    : entries.find((entry) =>
        (options.protocol === 's3'
          ? /[?&]partNumber=/
          : options.protocol === 'tus'
            ? /\/tus\/[^/?]+$/
            : /\/(stream|chunks\/\d+)$/
        ).test(entry.name),
      )
  const firstByteMs = bodyRequest ? bodyRequest.startTime - started : -1
  const status = snapshot.status
  return {
    ms,
    firstByteMs,
    result: status.state === 'done' ? status.result : undefined,
    error:
      status.state === 'error'
        ? { code: status.error.code, message: status.error.message }
        : undefined,
    hash: snapshot.hash.value,
    hashMs,
    longestTaskMs: takeLongest(started),
    // Only the upload's own requests: on a cold Vite cache, module loads land here too.
    requests: requestsSince(requestsBefore),
    upload: JSON.parse(JSON.stringify(snapshot)) as UploadSnapshot,
    warnings,
  }
}

function xhr(method: string, url: string, body: Blob): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open(method, url)
    request.onload = () =>
      request.status < 300 ? resolve() : reject(new Error(`HTTP ${request.status}`))
    request.onerror = () => reject(new Error('network error'))
    request.send(body)
  })
}

/** The browser's limit: one XHR PUT whose body is the File itself. */
async function xhrPut(url: string): Promise<{ ms: number }> {
  const started = performance.now()
  await xhr('PUT', url, file())
  return { ms: performance.now() - started }
}

/** No protocol: `concurrency` XHR PUTs of `chunkSize` slices at a time. */
async function slicePuts(
  url: string,
  chunkSize: number,
  concurrency: number,
): Promise<{ ms: number }> {
  const f = file()
  const started = performance.now()
  let next = 0
  const lane = async () => {
    while (next * chunkSize < f.size) {
      const index = next++
      await xhr(
        'PUT',
        `${url}?offset=${index * chunkSize}`,
        f.slice(index * chunkSize, (index + 1) * chunkSize),
      )
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return { ms: performance.now() - started }
}

/** Baseline hashing: raw spark-md5 in a Worker over 4 MiB slices. */
async function rawHash(): Promise<{ ms: number; hex: string }> {
  const worker = new Worker(new URL('./raw-md5.worker.ts', import.meta.url), { type: 'module' })
  const started = performance.now()
  const hex = await new Promise<string>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<string>) => resolve(event.data)
    worker.onerror = (event) => reject(new Error(event.message))
    worker.postMessage(file())
  })
  worker.terminate()
  return { ms: performance.now() - started, hex }
}

/**
 * The library's hasher alone over the chosen file: the sampled fingerprint, then the full
 * MD5, with the given engine (in its Worker unless `inline`), and the warnings it gave.
 */
async function hashFile(options: { md5?: 'spark' | 'wasm'; inline?: boolean }): Promise<{
  ms: number
  hex: string
  sampleMs: number
  sample: string
  warnings: string[]
  longestTaskMs: number
}> {
  takeLongest()
  const hasher = options.inline
    ? createInlineHasher({ md5: options.md5 })
    : createHasher({ md5: options.md5 })
  const warnings: string[] = []
  const hashOptions = {
    signal: new AbortController().signal,
    onWarning: (warning: { code: string }) => void warnings.push(warning.code),
  }
  try {
    const sampleStarted = performance.now()
    const sample = await hasher.sample(file(), hashOptions)
    const sampleMs = performance.now() - sampleStarted
    const started = performance.now()
    const hex = await hasher.md5(file(), hashOptions)
    const ms = performance.now() - started
    return { ms, hex, sampleMs, sample, warnings, longestTaskMs: takeLongest(sampleStarted) }
  } finally {
    hasher.dispose()
  }
}

/** The baseline: tus-js-client 4 with its defaults (one PATCH), or with `chunkSize`. */
async function tusJsClient(endpoint: string, chunkSize?: number): Promise<{ ms: number }> {
  const f = file()
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    const upload = new tus.Upload(f, {
      endpoint,
      ...(chunkSize ? { chunkSize } : {}),
      metadata: { filename: f.name, filetype: f.type },
      onError: reject,
      onSuccess: () => resolve(),
    })
    upload.start()
  })
  return { ms: performance.now() - started }
}

/** Uppy 5.1's S3 multipart upload of the chosen file, through the signer at `signer`. */
const uppy = (signer: string) => uppyS3(file(), signer)

/**
 * A folder of `count` small files (`folderBytes`, `size + index` bytes each) and the chosen
 * big file, added at once to one uploader; resolves with every upload's snapshot.
 */
async function uploadFolder(options: {
  endpoint: string
  protocol: 'http' | 'tus' | 's3'
  count: number
  size: number
  concurrency?: number
}): Promise<{ uploads: UploadSnapshot[]; requests: number }> {
  const requestsBefore = performance.getEntriesByType('resource').length
  const uploader = createDefaultUploader({
    protocol: protocolFor(options.protocol, options.endpoint),
    concurrency: options.concurrency,
  })
  const files = Array.from(
    { length: options.count },
    (_, i) =>
      new File([folderBytes(i, options.size + i)], `photo-${i}.jpg`, {
        type: 'image/jpeg',
      }),
  )
  const total = options.count + 1
  const finished = new Promise<UploadSnapshot[]>((resolve) => {
    const stop = uploader.subscribe((snapshot) => {
      const over = snapshot.uploads.filter((u) =>
        ['done', 'error', 'canceled'].includes(u.status.state),
      )
      if (snapshot.uploads.length === total && over.length === total) {
        stop()
        resolve(snapshot.uploads as UploadSnapshot[])
      }
    })
  })
  uploader.add([file(), ...files])
  const uploads = await finished
  uploader.destroy()
  return {
    uploads: JSON.parse(JSON.stringify(uploads)) as UploadSnapshot[],
    requests: requestsSince(requestsBefore),
  }
}

const api = { upload, uploadFolder, xhrPut, slicePuts, rawHash, hashFile, tusJsClient, uppy }
export type VcuApi = typeof api
Object.assign(window, { vcu: api })
