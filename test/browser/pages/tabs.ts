/**
 * The page of the cross-tab and network browser tests: an app as a user would write it
 * (UploadPlugin, useChunkedUpload, <UploadProgress>), with Web Locks, BroadcastChannel and
 * useOnline wired by default. `window.tabs.start(...)` mounts it for one backend.
 */
import { createApp, defineComponent, h, nextTick } from 'vue'
import {
  createHttpProtocol,
  createS3Protocol,
  createTusProtocol,
  UploadPlugin,
  UploadProgress,
  useChunkedUpload,
  type TabUpload,
  type UploadSnapshot,
  type UseChunkedUploadReturn,
} from 'vue-chunked-upload'

export interface TabsStart {
  readonly endpoint: string
  readonly protocol: 'http' | 'tus' | 's3'
  readonly chunkSize?: number
  readonly concurrency?: number
}

export interface TabsState {
  readonly uploads: readonly UploadSnapshot[]
  readonly elsewhere: readonly TabUpload[]
  readonly online: boolean
  /** What <UploadProgress> shows for the first upload: its state label and bar value. */
  readonly label: string | undefined
  readonly valueNow: number | undefined
  readonly warnings: readonly string[]
}

let upload: UseChunkedUploadReturn | undefined
const warnings: string[] = []

function file(): File {
  const input = document.querySelector<HTMLInputElement>('#file')!
  if (!input.files?.[0]) throw new Error('no file chosen')
  return input.files[0]
}

function start(options: TabsStart): void {
  const protocol =
    options.protocol === 's3'
      ? createS3Protocol({ endpoint: options.endpoint })
      : options.protocol === 'tus'
        ? createTusProtocol({ endpoint: options.endpoint })
        : createHttpProtocol({ endpoint: options.endpoint })
  const app = createApp(
    defineComponent({
      setup() {
        upload = useChunkedUpload()
        upload.onWarning(({ error }) => warnings.push(error.code))
        return () => h(UploadProgress)
      },
    }),
  )
  app.use(UploadPlugin, {
    protocol,
    hashing: false,
    chunkSize: options.chunkSize,
    concurrency: options.concurrency,
  })
  app.mount('#app')
}

/**
 * The state and what the list shows of it, read together once Vue has rendered the state
 * (snapshots reach the DOM a render later: read at once, the label could lag the state).
 */
async function state(): Promise<TabsState> {
  if (!upload) throw new Error('not started')
  await nextTick()
  const item = document.querySelector('.vcu-progress__item')
  const bar = item?.querySelector('[role=progressbar]')
  return JSON.parse(
    JSON.stringify({
      uploads: upload.uploads.value,
      elsewhere: upload.elsewhere.value,
      online: upload.online.value,
      label: item?.querySelector('.vcu-progress__state')?.textContent ?? undefined,
      valueNow: bar ? Number(bar.getAttribute('aria-valuenow')) : undefined,
      warnings,
    }),
  ) as TabsState
}

const api = {
  start,
  add: () => void upload!.add(file()),
  state,
}
export type TabsApi = typeof api
Object.assign(window, { tabs: api })
