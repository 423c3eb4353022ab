/**
 * The page the resume tests drive: the real components (`<ResumeBanner>`,
 * `<UploadDropzone>`, `<UploadProgress>`) over one engine for the backend named in the
 * query (`?protocol=http|tus|s3&endpoint=…&chunk=…`), with IndexedDB persistence as an app
 * gets it by default. `window.vcuResume` adds files from the Origin Private File System
 * (so their handles are kept) and reads what IndexedDB holds.
 */
/* eslint-disable vue/one-component-per-file -- a test page: the provider and its consumer */
import { createStore, entries } from 'idb-keyval'
import { createApp, defineComponent, h } from 'vue'
import {
  createHttpProtocol,
  createS3Protocol,
  createTusProtocol,
  formatError,
  provideChunkedUpload,
  ResumeBanner,
  UploadDropzone,
  UploadPlugin,
  UploadProgress,
  useChunkedUpload,
  usePendingUploads,
  type UseChunkedUploadReturn,
  type UsePendingUploadsReturn,
} from 'vue-chunked-upload'

const query = new URLSearchParams(location.search)
const protocol = query.get('protocol') ?? 'http'
const endpoint = query.get('endpoint') ?? ''
const warnings: string[] = []
// `?nofsa=1`: a Chromium without File System Access, as Firefox and Safari are.
if (query.get('nofsa') === '1') {
  delete (window as unknown as Record<string, unknown>).showOpenFilePicker
  delete (DataTransferItem.prototype as unknown as Record<string, unknown>).getAsFileSystemHandle
}
let api: UseChunkedUploadReturn | undefined
let pendingApi: UsePendingUploadsReturn | undefined

const Area = defineComponent({
  setup() {
    const area = provideChunkedUpload({
      protocol: () =>
        protocol === 's3'
          ? createS3Protocol({ endpoint })
          : protocol === 'tus'
            ? createTusProtocol({ endpoint })
            : createHttpProtocol({ endpoint }),
      chunkSize: Number(query.get('chunk') ?? 4 * 1024 * 1024),
      concurrency: Number(query.get('concurrency') ?? 2),
      hashing: query.get('hashing') !== 'false',
    })
    area.onWarning(({ error }) => warnings.push(formatError(error, 'en')))
    return () => h(Inner)
  },
})

const Inner = defineComponent({
  setup() {
    api = useChunkedUpload()
    pendingApi = usePendingUploads()
    return () => [h(ResumeBanner), h(UploadDropzone), h(UploadProgress)]
  },
})

async function opfsHandle(name: string): Promise<FileSystemFileHandle> {
  const root = await navigator.storage.getDirectory()
  return root.getFileHandle(name, { create: true })
}

const vcuResume = {
  /** Copies the file chosen in `#seed` into the Origin Private File System (streamed). */
  async seedOpfs(name: string): Promise<number> {
    const file = document.querySelector<HTMLInputElement>('#seed')!.files![0]
    const writable = await (await opfsHandle(name)).createWritable()
    await file.stream().pipeTo(writable)
    return (await (await opfsHandle(name)).getFile()).size
  },
  /** Adds an OPFS file with its handle, as a drop or `showOpenFilePicker` would. */
  async addFromOpfs(name: string): Promise<number> {
    const handle = await opfsHandle(name)
    const file = await handle.getFile()
    return api!.add([file], { handles: new Map([[file, handle]]) }).added.length
  },
  /** Overwrites an OPFS file (the file changed on disk since the upload was saved). */
  async changeOpfs(name: string): Promise<void> {
    const writable = await (await opfsHandle(name)).createWritable({ keepExistingData: true })
    await writable.write({ type: 'write', position: 0, data: new Uint8Array([1, 2, 3]) })
    await writable.write({ type: 'truncate', size: 1000 })
    await writable.close()
  },
  /** What the library keeps in IndexedDB, minus handles (not JSON). */
  async records(): Promise<Record<string, unknown>[]> {
    const all = await entries(createStore('vue-chunked-upload', 'resume'))
    return all.map(([, value]) => {
      const { handle, ...rest } = value as Record<string, unknown>
      return { ...rest, hasHandle: handle !== undefined }
    })
  },
  /** The read permission state of each kept handle, as the page sees it now. */
  async permissions(): Promise<string[]> {
    const all = await entries(createStore('vue-chunked-upload', 'resume'))
    return Promise.all(
      all.map(([, value]) => {
        const handle = (value as { handle?: FileSystemFileHandle }).handle as unknown as
          { queryPermission(d: { mode: 'read' }): Promise<string> } | undefined
        return handle ? handle.queryPermission({ mode: 'read' }) : 'none'
      }),
    )
  },
  warnings: () => [...warnings],
  /** What the banner lists: each pending upload's name and the bytes it says were sent. */
  pending: () =>
    pendingApi!.pending.value.map((p) => ({ name: p.file.name, bytes: p.bytesUploaded })),
  /** Asks the server again for what each pending upload holds (the banner's refresh). */
  refreshPending: () => pendingApi!.refresh(),
  states: () => api!.uploads.value.map((u) => u.status.state),
  resumed: () => api!.uploads.value.map((u) => u.resumed),
}

declare global {
  interface Window {
    vcuResume: typeof vcuResume
  }
}
window.vcuResume = vcuResume

createApp(Area).use(UploadPlugin).mount('#app')
