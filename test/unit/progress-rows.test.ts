import { mount } from '@vue/test-utils'
import { defineComponent, h, nextTick } from 'vue'
import { describe, expect, it } from 'vitest'
import { UploadProgress } from '../../src/components'
import UploadProgressRow from '../../src/components/UploadProgressRow.vue'
import { provideChunkedUpload, type UploadOptions } from '../../src/vue'
import { createFakeUploader, uploadIn } from '../fakes/fake-uploader'

/**
 * A long list must not re-render every row on each engine tick: the engine keeps an
 * unchanged upload's snapshot as the same object, so only the row whose upload changed
 * renders again (its sub-tree vnode is replaced; the others keep theirs).
 */
describe('<UploadProgress> with many uploads', () => {
  async function mountList(
    count: number,
    slots: Record<string, unknown> = {},
    props: Record<string, unknown> = {},
    options: UploadOptions = {},
  ) {
    const uploads = Array.from({ length: count }, (_, i) =>
      uploadIn({ state: 'uploading', retrying: false }, 0.1, { name: `f${i}.bin` }),
    )
    const engine = createFakeUploader({ uploads })
    const Host = defineComponent({
      setup() {
        provideChunkedUpload({ uploader: engine, ...options })
        return () => h(UploadProgress, props, slots as never)
      },
    })
    const wrapper = mount(Host, { attachTo: document.body })
    await nextTick()
    return { wrapper, engine, uploads }
  }

  const subTrees = (wrapper: ReturnType<typeof mount>) =>
    wrapper.findAllComponents(UploadProgressRow).map((row) => row.vm.$.subTree)

  it('re-renders only the row whose snapshot changed', async () => {
    const { wrapper, engine, uploads } = await mountList(200)
    const before = subTrees(wrapper)
    // The first page of the comfortable list.
    expect(before).toHaveLength(50)
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

  const names = (wrapper: ReturnType<typeof mount>) =>
    wrapper.findAll('.vcu-progress__name').map((n) => n.text())

  it('comfortable: renders a page of 50, says how many more, and shows 50 more per click', async () => {
    const { wrapper } = await mountList(120)
    expect(names(wrapper)).toEqual(Array.from({ length: 50 }, (_, i) => `f${i}.bin`))
    expect(wrapper.find('.vcu-progress__more').text()).toContain('70 more upload(s) not shown.')
    // Rows say where they sit in the whole list while part of it is hidden.
    const rows = wrapper.findAll('.vcu-progress__item')
    expect(rows[0].attributes()).toMatchObject({ 'aria-posinset': '1', 'aria-setsize': '120' })
    // A plain button in tab order, named by what it does.
    const button = wrapper.get('.vcu-progress__more button')
    expect(button.attributes('type')).toBe('button')
    expect(button.attributes('tabindex')).toBeUndefined()
    expect(button.text()).toBe('Show 50 more')
    await button.trigger('click')
    await nextTick()
    expect(names(wrapper)).toHaveLength(100)
    expect(wrapper.find('.vcu-progress__more').text()).toContain('20 more upload(s) not shown.')
    expect(wrapper.get('.vcu-progress__more button').text()).toBe('Show 20 more')
    // Focusable: a native button, so Enter and Space click it.
    const more = wrapper.get('.vcu-progress__more button').element as HTMLButtonElement
    more.focus()
    expect(document.activeElement).toBe(more)
    await wrapper.get('.vcu-progress__more button').trigger('click')
    await nextTick()
    await nextTick()
    expect(names(wrapper)).toHaveLength(120)
    expect(wrapper.find('.vcu-progress__more').exists()).toBe(false)
    // The button went with the last page: focus is on the first row it revealed.
    expect(document.activeElement).toBe(wrapper.findAll('.vcu-progress__item')[100].element)
    // All shown: no position attributes needed.
    expect(wrapper.findAll('.vcu-progress__item')[0].attributes('aria-setsize')).toBeUndefined()
    wrapper.unmount()
  })

  it('pageSize: Infinity renders every row; compact ignores it and renders those in view', async () => {
    const all = await mountList(120, {}, { pageSize: Infinity })
    expect(names(all.wrapper)).toHaveLength(120)
    expect(all.wrapper.find('.vcu-progress__more').exists()).toBe(false)
    all.wrapper.unmount()
    const compact = await mountList(120, {}, { density: 'compact', pageSize: 10 })
    expect(compact.wrapper.find('.vcu-progress__more').exists()).toBe(false)
    expect(names(compact.wrapper).length).toBeGreaterThan(10)
    compact.wrapper.unmount()
  })

  it('keeps the live region and says "more" in zh-CN too', async () => {
    const { wrapper } = await mountList(60, {}, {}, { locale: 'zh-CN' })
    expect(wrapper.find('.vcu-progress__more').text()).toContain('另有 10 个上传未显示。')
    expect(wrapper.get('.vcu-progress__more button').text()).toBe('再显示 10 个')
    expect(wrapper.find('[aria-live=polite]').exists()).toBe(true)
    wrapper.unmount()
  })
})
