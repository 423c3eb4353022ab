import { mount } from '@vue/test-utils'
import { defineComponent, h, nextTick } from 'vue'
import { describe, expect, it } from 'vitest'
import { UploadProgress } from '../../src/components'
import UploadProgressRow from '../../src/components/UploadProgressRow.vue'
import { provideChunkedUpload } from '../../src/vue'
import { createFakeUploader, uploadIn } from '../fakes/fake-uploader'

/**
 * A long list must not re-render every row on each engine tick: the engine keeps an
 * unchanged upload's snapshot as the same object, so only the row whose upload changed
 * renders again (its sub-tree vnode is replaced; the others keep theirs).
 */
describe('<UploadProgress> with many uploads', () => {
  async function mountList(count: number, slots: Record<string, unknown> = {}) {
    const uploads = Array.from({ length: count }, (_, i) =>
      uploadIn({ state: 'uploading', retrying: false }, 0.1, { name: `f${i}.bin` }),
    )
    const engine = createFakeUploader({ uploads })
    const Host = defineComponent({
      setup() {
        provideChunkedUpload({ uploader: engine })
        return () => h(UploadProgress, {}, slots as never)
      },
    })
    const wrapper = mount(Host)
    await nextTick()
    return { wrapper, engine, uploads }
  }

  const subTrees = (wrapper: ReturnType<typeof mount>) =>
    wrapper.findAllComponents(UploadProgressRow).map((row) => row.vm.$.subTree)

  it('re-renders only the row whose snapshot changed', async () => {
    const { wrapper, engine, uploads } = await mountList(200)
    const before = subTrees(wrapper)
    expect(before).toHaveLength(200)
    const changed = { ...uploads[7], bytesUploaded: uploads[7].bytesUploaded * 2, progress: 0.2 }
    engine.set({ uploads: uploads.map((u, i) => (i === 7 ? changed : u)) })
    await nextTick()
    const after = subTrees(wrapper)
    const rerendered = after.flatMap((tree, i) => (tree === before[i] ? [] : [i]))
    expect(rerendered).toEqual([7])
    expect(wrapper.findAll('[role=progressbar]')[7].attributes('aria-valuenow')).toBe('20')
  })

  it('still passes custom item slots to every row', async () => {
    const { wrapper } = await mountList(3, {
      item: (p: { upload: { file: { name: string } }; percent: number }) =>
        h('span', { class: 'custom' }, `${p.upload.file.name}:${p.percent}`),
    })
    expect(wrapper.findAll('.custom').map((n) => n.text())).toEqual([
      'f0.bin:10',
      'f1.bin:10',
      'f2.bin:10',
    ])
  })
})
