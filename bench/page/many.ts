/**
 * The many-small-files case: a Vue app with UploadPlugin, `<UploadDropzone>` and
 * `<UploadProgress>` (one row per file), files added through `useChunkedUpload()`, measured
 * until every upload is done (or a deadline): total time and the main thread's long tasks
 * while the UI renders them.
 */
import { createApp, defineComponent, h, nextTick, resolveComponent, watch } from 'vue'
import {
  createHttpProtocol,
  UploadPlugin,
  useChunkedUpload,
  type UseChunkedUploadReturn,
} from 'vue-chunked-upload'
import { measure } from './instrument'

/** `count` in-memory files of `size` random bytes each (random so no two share a hash). */
function randomFiles(count: number, size: number): File[] {
  return Array.from({ length: count }, (_, i) => {
    const bytes = new Uint8Array(size)
    for (let at = 0; at < size; at += 65_536)
      crypto.getRandomValues(bytes.subarray(at, at + 65_536))
    return new File([bytes], `small-${i}.bin`, { type: 'application/octet-stream' })
  })
}

/**
 * With `ui` the app renders `<UploadDropzone>` and `<UploadProgress>`; without, only the
 * composable runs (the engine's and Vue's reactivity cost, no rows).
 */
export async function manyFiles(
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
    protocol: createHttpProtocol({ endpoint }),
    // Nothing to resume here: keep 1,000 records out of IndexedDB between runs.
    store: false,
    ...options,
  })
  app.mount(host)
  await nextTick()
  try {
    return await measure(async () => {
      const api = upload!
      const allDone = new Promise<void>((resolve, reject) => {
        const stop = watch(
          () => api.uploads.value,
          (uploads) => {
            if (uploads.length < count) return
            if (uploads.some((u) => u.status.state === 'error')) {
              stop()
              reject(new Error(`a small file failed: ${api.errors.value[0]?.message}`))
            } else if (uploads.every((u) => u.status.state === 'done')) {
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
      return {
        done: api.uploads.value.filter((u) => u.status.state === 'done').length,
        rows: host.querySelectorAll('[role=progressbar]').length,
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
    let next = 0
    let done = 0
    const put = (file: File) =>
      new Promise<void>((resolve, reject) => {
        const xhr = new XMLHttpRequest()
        xhr.open('PUT', sink)
        xhr.onload = () =>
          xhr.status < 300 ? resolve() : reject(new Error(`PUT answered ${xhr.status}`))
        xhr.onerror = () => reject(new Error('PUT failed'))
        xhr.send(file)
      })
    const lane = async () => {
      while (next < files.length) {
        await put(files[next++])
        done++
      }
    }
    await Promise.all(Array.from({ length: concurrency }, lane))
    return { done, rows: 0 }
  })
}
