/**
 * The components test page: mounts `<UploadProgress>` over the stories' fake engine (no
 * network), for the theme's computed colours and the cost of a long list.
 */
import { createApp, defineComponent, h, nextTick, type App } from 'vue'
import { provideChunkedUpload, UploadProgress, type UploadSnapshot } from 'vue-chunked-upload'
import { createFakeUploader, errorOf, uploadIn } from '../../fakes/fake-uploader'

export interface ComponentsApi {
  /**
   * Mounts a list of `count` uploads in mixed states into `#app`; `wrapper` is HTML around
   * it, whose `#slot` element receives the list. Resolves the mount's own task length (ms)
   * and the longest task the browser reported while mounting and rendering (0: none over 50 ms).
   */
  mount(
    count: number,
    options?: { density?: 'comfortable' | 'compact'; wrapper?: string },
  ): Promise<{ mountMs: number; longestTaskMs: number; rows: number }>
  /** One progress tick for every upload; resolves the update's task length (ms). */
  tick(): Promise<{ updateMs: number; longestTaskMs: number }>
  unmount(): void
}

const longTasks: number[] = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longTasks.push(entry.duration)
}).observe({ type: 'longtask', buffered: true })

const settled = () =>
  new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)))

function takeLongest(): number {
  const longest = Math.max(0, ...longTasks)
  longTasks.length = 0
  return Math.round(longest)
}

const statuses = (i: number): UploadSnapshot => {
  const name = `photo-${String(i).padStart(4, '0')}.jpg`
  const base = { name, size: 3_000_000 + i, type: 'image/jpeg' }
  switch (i % 5) {
    case 0:
      return uploadIn({ state: 'uploading', retrying: false }, 0.4, base)
    case 1:
      return uploadIn({ state: 'queued' }, 0, base)
    case 2:
      return uploadIn({ state: 'done', result: { size: 1 } }, 1, base)
    case 3:
      return uploadIn({ state: 'paused', reason: 'user' }, 0.7, base)
    default:
      return uploadIn({ state: 'error', error: errorOf('network') }, 0.2, base)
  }
}

let app: App | undefined
let engine: ReturnType<typeof createFakeUploader> | undefined

const api: ComponentsApi = {
  async mount(count, options = {}) {
    api.unmount()
    const root = document.querySelector('#app')!
    root.innerHTML = options.wrapper ?? '<div id="slot"></div>'
    engine = createFakeUploader({ uploads: Array.from({ length: count }, (_, i) => statuses(i)) })
    const uploader = engine
    app = createApp(
      defineComponent({
        setup() {
          provideChunkedUpload({ uploader })
          return () => h(UploadProgress, { density: options.density ?? 'comfortable' })
        },
      }),
    )
    await settled()
    takeLongest()
    const started = performance.now()
    app.mount(root.querySelector('#slot')!)
    const mountMs = Math.round(performance.now() - started)
    await nextTick()
    await settled()
    return { mountMs, longestTaskMs: takeLongest(), rows: root.querySelectorAll('li').length }
  },
  async tick() {
    const current = engine!.getSnapshot().uploads
    await settled()
    takeLongest()
    const started = performance.now()
    engine!.set({
      uploads: current.map((u) =>
        u.status.state === 'uploading'
          ? { ...u, bytesUploaded: u.bytesUploaded + 1, progress: Math.min(1, u.progress + 0.01) }
          : u,
      ),
    })
    await nextTick()
    const updateMs = Math.round(performance.now() - started)
    await settled()
    return { updateMs, longestTaskMs: takeLongest() }
  },
  unmount() {
    app?.unmount()
    app = undefined
  },
}

;(window as unknown as { vcuComponents: ComponentsApi }).vcuComponents = api
