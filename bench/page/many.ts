/**
 * The many-files case: a Vue app with UploadPlugin, `<UploadDropzone>` and
 * `<UploadProgress>` (one row per file), files added through `useChunkedUpload()`, measured
 * until every upload is done (or a deadline): total time and the main thread's long tasks
 * while the UI renders them. Beside it the baselines, 4 files at a time: one XHR PUT per
 * file, tus-js-client with one `Upload` per file, and Uppy 6's S3 uploader.
 */
import { createApp, defineComponent, h, nextTick, resolveComponent, watch } from 'vue'
import * as tus from 'tus-js-client'
import Uppy from '@uppy6/core'
import AwsS3 from '@uppy6/aws-s3'
import {
  createHttpProtocol,
  createS3Protocol,
  createTusProtocol,
  UploadPlugin,
  useChunkedUpload,
  type UseChunkedUploadReturn,
} from 'vue-chunked-upload'
import { measure } from './instrument'

type Protocol = 'http' | 'tus' | 's3'

const protocols = {
  http: (endpoint: string) => createHttpProtocol({ endpoint }),
  tus: (endpoint: string) => createTusProtocol({ endpoint }),
  s3: (endpoint: string) => createS3Protocol({ endpoint }),
}

/** Fills `bytes` with random values (getRandomValues takes 64 KiB at most). */
function fillRandom(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  for (let at = 0; at < bytes.length; at += 65_536)
    crypto.getRandomValues(bytes.subarray(at, at + 65_536))
  return bytes
}

/**
 * `count` in-memory files of `size` random bytes each, no two alike. Up to 1 MB every file
 * is random throughout; above, each file is its own random 64 KiB head before one random
 * tail all files share (100 × 5 MB would otherwise hold 500 MB in the page).
 */
function randomFiles(count: number, size: number): File[] {
  const head = Math.min(size, size > 1_000_000 ? 65_536 : size)
  const tail = size > head ? new Blob([fillRandom(new Uint8Array(size - head))]) : undefined
  return Array.from({ length: count }, (_, i) => {
    const parts: BlobPart[] = [fillRandom(new Uint8Array(head))]
    if (tail) parts.push(tail)
    return new File(parts, `small-${i}.bin`, { type: 'application/octet-stream' })
  })
}

/**
 * With `ui` the app renders `<UploadDropzone>` and `<UploadProgress>`; without, only the
 * composable runs (the engine's and Vue's reactivity cost, no rows).
 */
export async function manyFiles(
  protocol: Protocol,
  endpoint: string,
  count: number,
  size: number,
  ui = true,
  options: Record<string, unknown> = {},
  deadlineMs = Infinity,
) {
  const files = randomFiles(count, size)
  let upload: UseChunkedUploadReturn | undefined
  const Root = defineComponent({
    setup() {
      upload = useChunkedUpload()
      return () =>
        ui
          ? h('div', [h(resolveComponent('UploadDropzone')), h(resolveComponent('UploadProgress'))])
          : h('p', `${upload!.uploads.value.length} files`)
    },
  })
  const host = document.querySelector('#app')!
  const app = createApp(Root).use(UploadPlugin, {
    protocol: protocols[protocol](endpoint),
    // Nothing to resume here: keep 1,000 records out of IndexedDB between runs.
    store: false,
    ...options,
  })
  app.mount(host)
  await nextTick()
  try {
    return await measure(async () => {
      const api = upload!
      // Settled: every file done or failed for good (after the library's retries); a failed
      // file is counted, not the end of the run, so the others still give a time.
      const allDone = new Promise<void>((resolve) => {
        const stop = watch(
          () => api.uploads.value,
          (uploads) => {
            if (uploads.length < count) return
            if (uploads.every((u) => u.status.state === 'done' || u.status.state === 'error')) {
              stop()
              resolve()
            }
          },
        )
      })
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<void>((resolve) => {
        if (Number.isFinite(deadlineMs)) timer = setTimeout(resolve, deadlineMs)
      })
      api.add(files)
      // Bounded: past the deadline, report how many were done by then.
      await Promise.race([allDone, deadline])
      clearTimeout(timer)
      // The last rows have rendered too.
      await nextTick()
      await new Promise((resolve) => requestAnimationFrame(resolve))
      const failed = api.uploads.value.filter((u) => u.status.state === 'error')
      const first = failed[0]?.status
      return {
        done: api.uploads.value.filter((u) => u.status.state === 'done').length,
        rows: host.querySelectorAll('[role=progressbar]').length,
        failed: failed.length,
        ...(first?.state === 'error'
          ? { firstError: `${first.error.code}: ${first.error.message}` }
          : {}),
      }
    })
  } finally {
    app.unmount()
  }
}

/**
 * The limit for many small files: one XHR PUT per file to the sink, `concurrency` at a time
 * (the library's default four), the same random files. `done` counts the 2xx answers.
 */
export async function putPerFile(sink: string, count: number, size: number, concurrency = 4) {
  const files = randomFiles(count, size)
  return measure(async () => {
    const put = (file: File) =>
      new Promise<void>((resolve, reject) => {
        const xhr = new XMLHttpRequest()
        xhr.open('PUT', sink)
        xhr.onload = () =>
          xhr.status < 300 ? resolve() : reject(new Error(`PUT answered ${xhr.status}`))
        xhr.onerror = () => reject(new Error('PUT failed'))
        xhr.send(file)
      })
    return { done: await lanes(files, concurrency, put), rows: 0 }
  })
}

/** Runs `send` over `files`, `concurrency` at a time; resolves with how many succeeded. */
async function lanes(files: File[], concurrency: number, send: (file: File) => Promise<void>) {
  let next = 0
  let done = 0
  const lane = async () => {
    while (next < files.length) {
      await send(files[next++])
      done++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return done
}

/**
 * tus-js-client 4 with its defaults, one `Upload` per file (the way its docs upload several
 * files), `concurrency` at a time.
 */
export async function tusPerFile(endpoint: string, count: number, size: number, concurrency = 4) {
  const files = randomFiles(count, size)
  return measure(async () => {
    const done = await lanes(
      files,
      concurrency,
      (file) =>
        new Promise<void>((resolve, reject) => {
          new tus.Upload(file, {
            endpoint,
            metadata: { filename: file.name, filetype: file.type },
            onError: reject,
            onSuccess: () => resolve(),
          }).start()
        }),
    )
    return { done, rows: 0 }
  })
}

/**
 * @uppy/aws-s3 6 with its defaults (a presigned PUT per file below its multipart
 * threshold), every file in one Uppy, `limit` files at a time, each S3 request presigned
 * through `presign`. Any failed file fails the run.
 */
export async function uppyPerFile(presign: string, count: number, size: number, limit = 4) {
  const files = randomFiles(count, size)
  return measure(async () => {
    const uppy = new Uppy({ autoProceed: false })
    uppy.use(AwsS3, {
      limit,
      async signRequest(request: unknown) {
        const response = await fetch(presign, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
        })
        if (!response.ok) throw new Error(`presign: HTTP ${response.status}`)
        return (await response.json()) as { url: string }
      },
    })
    for (const file of files) uppy.addFile({ name: file.name, type: file.type, data: file })
    const result = await uppy.upload()
    uppy.destroy()
    const failed = result?.failed ?? []
    if (failed.length) throw new Error(`Uppy 6 failed ${failed.length}: ${String(failed[0].error)}`)
    return { done: files.length, rows: 0 }
  })
}
