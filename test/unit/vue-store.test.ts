import { createPinia, setActivePinia } from 'pinia'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { describe, expect, it } from 'vitest'
import { createUploadPlugin } from '../../src/vue'
import { useUploadStore } from '../../src/entries/pinia'
import { createFakeUploader, errorOf, pendingOf, uploadIn } from '../fakes/fake-uploader'

/** Mounts an app with the plugin and pinia, and returns the store built inside it. */
function storeWith(engine: ReturnType<typeof createFakeUploader>, locale: 'en' | 'zh-CN' = 'en') {
  const pinia = createPinia()
  let store!: ReturnType<typeof useUploadStore>
  const app = createApp(
    defineComponent({
      setup() {
        store = useUploadStore()
        return () => h('div')
      },
    }),
  )
  app.use(pinia).use(createUploadPlugin(), { uploader: engine, locale })
  app.mount(document.createElement('div'))
  setActivePinia(pinia)
  return { store, app }
}

describe('useUploadStore', () => {
  it('mirrors the engine as plain serializable records', async () => {
    const engine = createFakeUploader({
      uploads: [
        uploadIn({ state: 'uploading', retrying: true }, 0.5, { name: 'a.mp4', size: 1000 }),
        uploadIn({ state: 'error', error: errorOf('expired') }, 0.2, { name: 'b.mp4', size: 10 }),
      ],
    })
    const { store, app } = storeWith(engine)
    expect(store.list.map((r) => [r.name, r.state, r.retrying])).toEqual([
      ['a.mp4', 'uploading', true],
      ['b.mp4', 'error', false],
    ])
    expect(store.failed[0].errorMessage).toBe(
      'This upload expired on the server. It has to start again.',
    )
    expect(store.failed[0].errorCode).toBe('expired')
    expect(store.total).toMatchObject({ size: 1010, bytesUploaded: 502 })
    // Serializable: a JSON round trip loses nothing (no File, engine, class instances).
    const state = JSON.parse(JSON.stringify(store.$state))
    expect(state.records).toEqual(JSON.parse(JSON.stringify(store.records)))
    expect(Object.keys(store.$state).sort()).toEqual(
      ['online', 'order', 'pending', 'records', 'total'].sort(),
    )

    engine.set({ uploads: [], online: false })
    await nextTick()
    expect(store.list).toEqual([])
    expect(store.online).toBe(false)
    app.unmount()
  })

  it('keeps the record of an upload whose snapshot did not change; a failed one follows the locale', async () => {
    const still = uploadIn({ state: 'uploading', retrying: false }, 0.5, { name: 'still.mp4' })
    const moving = uploadIn({ state: 'uploading', retrying: false }, 0.1, { name: 'moving.mp4' })
    const failed = uploadIn({ state: 'error', error: errorOf('expired') }, 0.2, { name: 'b.mp4' })
    const engine = createFakeUploader({ uploads: [still, moving, failed] })
    const { store, app } = storeWith(engine)
    const before = { ...store.records }
    engine.set({ uploads: [still, { ...moving, bytesUploaded: moving.bytesUploaded + 1 }, failed] })
    await nextTick()
    // Was a new record for every upload on every change.
    expect(store.records[still.id]).toBe(before[still.id])
    expect(store.records[moving.id]).not.toBe(before[moving.id])
    expect(store.records[moving.id]!.bytesUploaded).toBe(moving.bytesUploaded + 1)
    expect(store.records[failed.id]!.errorMessage).toBe(
      'This upload expired on the server. It has to start again.',
    )
    app.unmount()
  })

  it('lists pending records and delegates actions to the engine', async () => {
    const engine = createFakeUploader({}, [pendingOf('old.iso', 4000, 0.25)])
    const { store, app } = storeWith(engine, 'zh-CN')
    await vi_waitFor(() => store.pending.length === 1)
    expect(store.pending[0]).toMatchObject({ name: 'old.iso', bytesUploaded: 1000 })
    store.pause('u9')
    store.retry()
    await store.discard(store.pending[0].key)
    await vi_waitFor(() => store.pending.length === 0)
    expect(engine.calls).toEqual(['pause:u9', 'retry', `discard:${pendingOf('old.iso', 1, 0).key}`])
    app.unmount()
    expect(engine.calls).not.toContain('destroy') // an engine passed in stays the caller's
  })
})

async function vi_waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !condition(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(condition()).toBe(true)
}
