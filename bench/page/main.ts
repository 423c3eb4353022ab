/**
 * The page `npm run bench` drives: this library (through its public entry, like an app) and
 * the peers, each run through the same {@link measure}. Node calls `window.bench.<name>`.
 */
import { measure } from './instrument'
import * as tus from 'tus-js-client'
import {
  createDefaultUploader,
  createHttpProtocol,
  createS3Protocol,
  createTusProtocol,
  type UploadSnapshot,
} from 'vue-chunked-upload'
import { uppyS3 } from '../../test/browser/pages/uppy'
import { uppy6S3 } from '../../test/browser/pages/uppy6'
import { manyFiles, putPerFile, tusPerFile, uppyPerFile } from './many'
import type { Md5WasmRequest, Md5WasmResponse } from './md5-wasm.worker'

function file(): File {
  const input = document.querySelector<HTMLInputElement>('#file')!
  if (!input.files?.[0]) throw new Error('no file chosen')
  return input.files[0]
}

export type Protocol = 'http' | 'tus' | 's3'

const protocols = {
  http: (endpoint: string) => createHttpProtocol({ endpoint }),
  tus: (endpoint: string) => createTusProtocol({ endpoint }),
  s3: (endpoint: string) => createS3Protocol({ endpoint }),
}

/**
 * This library with its defaults (resume records in IndexedDB, the default hasher), plus
 * `options` (any createDefaultUploader option that survives JSON).
 */
function library(protocol: Protocol, endpoint: string, options: Record<string, unknown> = {}) {
  return measure(async () => {
    const uploader = createDefaultUploader({
      protocol: protocols[protocol](endpoint),
      ...options,
    })
    const finished = new Promise<UploadSnapshot>((resolve) => {
      uploader.on('upload-success', ({ upload }) => resolve(upload))
      uploader.on('upload-error', ({ upload }) => resolve(upload))
    })
    uploader.add(file())
    const { status, resumed } = await finished
    uploader.destroy()
    if (status.state !== 'done') {
      const message =
        status.state === 'error' ? `${status.error.code}: ${status.error.message}` : status.state
      throw new Error(`library ${protocol} upload failed: ${message}`)
    }
    // The S3 object (or the upload URL) the run wrote, for the runner to delete.
    return { key: status.result.location, resumed }
  })
}

function xhrSend(method: string, url: string, body: Blob): Promise<void> {
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
const xhrPut = (url: string) => measure(() => xhrSend('PUT', url, file()).then(() => ({})))

/** tus-js-client 4 with its defaults (one PATCH), or with `chunkSize`. */
const tusJsClient = (endpoint: string, chunkSize?: number) =>
  measure(async () => {
    const f = file()
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(f, {
        endpoint,
        ...(chunkSize ? { chunkSize } : {}),
        metadata: { filename: f.name, filetype: f.type },
        onError: reject,
        onSuccess: () => resolve(),
      }).start()
    })
    return {}
  })

/** @uppy/aws-s3 5.1 through the same signer as this library's S3 path. */
const uppy5 = (signer: string) => measure(() => uppyS3(file(), signer))

/** @uppy/aws-s3 6 with its defaults, presigning each S3 request through `presign`. */
const uppy6 = (presign: string) => measure(() => uppy6S3(presign))

/** Waits for the next message of `worker`, or its error. */
function nextMessage(worker: Worker): Promise<Md5WasmResponse> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Md5WasmResponse>) => resolve(event.data)
    worker.onerror = (event) => reject(new Error(`md5 worker: ${event.message}`))
  })
}

/**
 * Runs `timed` with the bench's hash-wasm Worker started and WebAssembly instantiated before
 * the clock starts, so only the work is timed; `hash` asks it for the File's MD5.
 */
async function withMd5Worker<T extends object>(
  timed: (hash: () => Promise<{ hex?: string }>) => Promise<T>,
  sliceSize = 4 * 1024 * 1024,
) {
  const worker = new Worker(new URL('./md5-wasm.worker.ts', import.meta.url), { type: 'module' })
  const post = (message: Md5WasmRequest) => worker.postMessage(message)
  try {
    const ready = nextMessage(worker)
    post({ type: 'warm' })
    await ready
    return await measure(() =>
      timed(async () => {
        const done = nextMessage(worker)
        post({ type: 'hash', file: file(), sliceSize })
        const answer = await done
        return answer.type === 'done' ? { hex: answer.hex } : {}
      }),
    )
  } finally {
    worker.terminate()
  }
}

/** The hashing limit: hash-wasm's MD5 of the File in a Worker, no upload. */
const md5Wasm = () => withMd5Worker((hash) => hash())

/**
 * The hashing-on limit of the machine, no library: hash-wasm's MD5 of the File in a Worker
 * and one XHR PUT of the same File to the sink, both at once; the run ends when both have.
 * On a machine where either alone keeps the cores busy, this is what any uploader that
 * hashes and sends the same bytes can reach.
 */
const md5AndPut = (url: string) =>
  withMd5Worker(async (hash) => (await Promise.all([hash(), xhrSend('PUT', url, file())]))[0])

const api = {
  library,
  md5Wasm,
  md5AndPut,
  xhrPut,
  tusJsClient,
  uppy5,
  uppy6,
  manyFiles,
  putPerFile,
  tusPerFile,
  uppyPerFile,
}
export type BenchApi = typeof api
Object.assign(window, { bench: api })
