import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h, nextTick, ref, type Component } from 'vue'
import { describe, expect, it } from 'vitest'
import { ResumeBanner, UploadDropzone, UploadProgress } from '../../src/components'
import { createUploader } from '../../src/core'
import { provideChunkedUpload, type UploadOptions } from '../../src/vue'
import { FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'
import {
  createFakeUploader,
  errorOf,
  pendingOf,
  uploadIn,
  type FakeUploader,
} from '../fakes/fake-uploader'
import { fileOf } from '../fakes/files'

/** Mounts `component` below a provider of `engine`, as an app's upload area would. */
async function mountWith(
  component: Component,
  engine: FakeUploader,
  options: UploadOptions = {},
  props: Record<string, unknown> = {},
  slots: Record<string, unknown> = {},
) {
  const Host = defineComponent({
    setup() {
      provideChunkedUpload({ uploader: engine, ...options })
      return () => h(component, props, slots as never)
    },
  })
  const wrapper = mount(Host, { attachTo: document.body })
  await nextTick() // listeners on template refs attach after the first render
  return wrapper
}

const TEXT = { type: 'text/plain' }

function setFiles(input: HTMLInputElement, files: File[]): void {
  Object.defineProperty(input, 'files', { value: files, configurable: true })
  input.dispatchEvent(new Event('change'))
}

describe('<UploadDropzone>', () => {
  it("shows what the engine checks: a ref's new value reaches the input, the hints and the engine's refusals alike", async () => {
    const accept = ref('.mp4')
    const maxTotalSize = ref<number | undefined>(undefined)
    const engine = createUploader({
      protocol: new FakeProtocol(),
      transport: new ScriptedTransport(),
      autoStart: false,
    })
    // An engine passed in: the restrictions named here are set on it (as getters).
    const wrapper = await mountWith(UploadDropzone, engine as unknown as FakeUploader, {
      accept,
      maxTotalSize,
    })
    const input = wrapper.get('input[type=file]').element as HTMLInputElement
    const hint = () =>
      document.getElementById(wrapper.get('button').attributes('aria-describedby')!)!.textContent
    expect(input.accept).toBe('.mp4')
    expect(engine.add(fileOf(3, 'a.txt', TEXT)).rejected[0].error.code).toBe('file-type-rejected')

    accept.value = '.txt'
    maxTotalSize.value = 2048
    await nextTick()
    expect(input.accept).toBe('.txt')
    expect(hint()).toContain('Accepted: .txt')
    expect(hint()).toContain('Up to 2.0 KB in total')
    expect(engine.getRestrictions()).toMatchObject({ accept: '.txt', maxTotalSize: 2048 })
    expect(engine.add(fileOf(3, 'a.txt', TEXT)).added).toHaveLength(1)
    expect(engine.add(fileOf(4096, 'b.txt', TEXT)).rejected[0].error.code).toBe('total-too-large')

    // Changed on the engine itself: the dropzone follows too.
    engine.setRestrictions({ accept: ['.csv'] })
    await flushPromises()
    expect(input.accept).toBe('.csv')
    wrapper.unmount()
    engine.destroy()
  })

  it('is a focusable button that opens the hidden input, and hints at the restrictions', async () => {
    const engine = createFakeUploader()
    const wrapper = await mountWith(UploadDropzone, engine, {
      accept: ['.mp4', 'video/*'],
      maxFileSize: 5 * 1024 ** 3,
      maxFiles: 3,
    })
    const button = wrapper.get('button')
    const input = wrapper.get('input[type=file]').element as HTMLInputElement
    expect(button.attributes('type')).toBe('button')
    expect(input.hidden).toBe(true)
    expect(input.accept).toBe('.mp4,video/*')
    const hint = document.getElementById(button.attributes('aria-describedby')!)!
    expect(hint.textContent).toContain('Accepted: .mp4, video/*')
    expect(hint.textContent).toContain('Up to 5.0 GB per file')
    expect(hint.textContent).toContain('At most 3 files')
    let clicked = 0
    input.addEventListener('click', (e) => (clicked++, e.preventDefault()))
    await button.trigger('click') // Enter and Space on a <button> are clicks
    expect(clicked).toBe(1)
    wrapper.unmount()
  })

  it('adds chosen files, shows refused ones with their localized message, announces', async () => {
    const engine = createFakeUploader()
    const wrapper = await mountWith(UploadDropzone, engine, { locale: 'zh-CN' })
    setFiles(wrapper.get('input[type=file]').element as HTMLInputElement, [
      fileOf(3, 'a.txt', TEXT),
      fileOf(0, 'empty.txt', TEXT),
    ])
    await nextTick()
    expect(engine.calls).toEqual(['add:a.txt,empty.txt'])
    const alert = wrapper.get('[role=alert]')
    expect(alert.text()).toContain('部分文件未能添加')
    expect(alert.text()).toContain('empty.txt 太小了')
    const zone = wrapper.findComponent(UploadDropzone)
    expect(zone.emitted('rejected')?.[0][0]).toHaveLength(1)
    expect(zone.emitted('added')?.[0][0]).toHaveLength(1)
    expect(wrapper.get('[aria-live=polite]').text()).toBe('已添加 1 个文件。')
    wrapper.unmount()
  })

  it('takes dropped and pasted files, and shows the dragging state', async () => {
    const engine = createFakeUploader()
    const wrapper = await mountWith(UploadDropzone, engine)
    const root = wrapper.get('.vcu-dropzone')
    const transfer = new DataTransfer()
    transfer.items.add(fileOf(3, 'dropped.txt', TEXT))
    const drag = (type: string) => {
      const event = new Event(type, { bubbles: true, cancelable: true }) as DragEvent
      Object.defineProperty(event, 'dataTransfer', { value: transfer })
      root.element.dispatchEvent(event)
    }
    drag('dragenter')
    await nextTick()
    expect(root.attributes('data-state')).toBe('dragging')
    expect(root.text()).toContain('Release to add the files')
    drag('drop')
    await flushPromises()
    expect(root.attributes('data-state')).toBe('idle')
    expect(engine.calls).toEqual(['add:dropped.txt'])

    const paste = new Event('paste', { bubbles: true, cancelable: true })
    const clip = new DataTransfer()
    clip.items.add(fileOf(3, 'pasted.txt', TEXT))
    Object.defineProperty(paste, 'clipboardData', { value: clip })
    wrapper.get('button').element.dispatchEvent(paste)
    expect(engine.calls).toEqual(['add:dropped.txt', 'add:pasted.txt'])
    wrapper.unmount()
  })

  it('does nothing while disabled, and lets the default slot replace the face', async () => {
    const engine = createFakeUploader()
    const wrapper = await mountWith(
      UploadDropzone,
      engine,
      {},
      { disabled: true },
      { default: ({ disabled }: { disabled: boolean }) => h('em', `custom ${disabled}`) },
    )
    expect(wrapper.get('button').attributes('disabled')).toBeDefined()
    expect(wrapper.get('em').text()).toBe('custom true')
    setFiles(wrapper.get('input[type=file]').element as HTMLInputElement, [
      fileOf(3, 'a.txt', TEXT),
    ])
    await nextTick()
    expect(engine.calls).toEqual([])
    wrapper.unmount()
  })
})

describe('<UploadProgress>', () => {
  it('renders a progressbar per file with value text, bytes, speed, ETA and state', async () => {
    const engine = createFakeUploader({
      uploads: [uploadIn({ state: 'uploading', retrying: false }, 0.425, { name: 'a.mp4' })],
    })
    const wrapper = await mountWith(UploadProgress, engine)
    const bar = wrapper.get('[role=progressbar]')
    expect(bar.attributes()).toMatchObject({
      'aria-valuenow': '42',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuetext': '42 %, uploading',
      'aria-label': 'a.mp4',
    })
    const item = wrapper.get('li')
    expect(item.attributes('data-state')).toBe('uploading')
    expect(item.text()).toContain('a.mp4 · 640.0 MB · uploading')
    expect(item.text()).toContain('272.0 MB of 640.0 MB · 12.0 MB/s · 31 s left')
    // One upload: no total bar.
    expect(wrapper.findAll('[role=progressbar]')).toHaveLength(1)
    wrapper.unmount()
  })

  it('tells each state apart, with the controls that fit it, and a total', async () => {
    const engine = createFakeUploader({
      online: false,
      uploads: [
        uploadIn({ state: 'hashing' }, 0.1, { name: 'h' }),
        uploadIn({ state: 'uploading', retrying: true }, 0.3, { name: 'r' }),
        uploadIn({ state: 'paused', reason: 'user' }, 0.5, { name: 'p' }),
        uploadIn({ state: 'paused', reason: 'offline' }, 0.5, { name: 'o' }),
        uploadIn({ state: 'paused', reason: 'elsewhere' }, 0.4, { name: 'x' }),
        uploadIn({ state: 'error', error: errorOf('hash-mismatch') }, 1, { name: 'e' }),
        uploadIn({ state: 'done', result: { size: 1 } }, 1, { name: 'd', resumed: true }),
      ],
    })
    const wrapper = await mountWith(UploadProgress, engine)
    const rows = wrapper
      .findAll('li')
      .map((li) => [
        li.attributes('data-state'),
        li.findAll('button').map((b) => b.attributes('data-action')),
      ])
    expect(rows).toEqual([
      ['hashing', ['pause', 'cancel']],
      ['retrying', ['pause', 'cancel']],
      ['paused', ['resume', 'cancel']],
      ['offline', ['cancel']],
      ['elsewhere', ['pause', 'cancel']],
      ['error', ['retry', 'cancel']],
      ['done', ['remove']],
    ])
    const text = wrapper.text()
    expect(text).toContain('h · 640.0 MB · checking the file')
    expect(text).toContain('o · 640.0 MB · offline, waiting for the network')
    expect(text).toContain('x · 640.0 MB · uploading in another tab')
    expect(text).toContain(
      'The uploaded file does not match the file on your device. Please upload it again.',
    )
    expect(text).not.toContain('developer message')
    expect(text).toContain('d · 640.0 MB · done · resumed')
    expect(wrapper.get('[role=status]').text()).toContain('You are offline')
    const bars = wrapper.findAll('[role=progressbar]')
    expect(bars).toHaveLength(8)
    expect(bars[7].attributes('aria-label')).toBe('Total')
    wrapper.unmount()
  })

  it('drives the engine from its controls and announces state changes politely', async () => {
    const running = uploadIn({ state: 'uploading', retrying: false }, 0.5, { name: 'a.bin' })
    const engine = createFakeUploader({ uploads: [running] })
    const wrapper = await mountWith(UploadProgress, engine)
    await wrapper.get('[data-action=pause]').trigger('click')
    expect(engine.calls).toEqual([`pause:${running.id}`])
    expect(wrapper.findComponent(UploadProgress).emitted('action')?.[0][0]).toBe('pause')
    engine.set({ uploads: [{ ...running, status: { state: 'done', result: { size: 1 } } }] })
    await nextTick()
    await nextTick()
    expect(wrapper.get('[aria-live=polite]').text()).toBe('a.bin uploaded.')
    await wrapper.get('[data-action=remove]').trigger('click')
    expect(engine.calls).toEqual([`pause:${running.id}`, `remove:${running.id}`])
    wrapper.unmount()
  })

  it('lets slots replace an item and a custom value label', async () => {
    const engine = createFakeUploader({ uploads: [uploadIn({ state: 'queued' }, 0)] })
    const wrapper = await mountWith(
      UploadProgress,
      engine,
      {},
      { getValueLabel: (_u: unknown, percent: number) => `${percent} of 100` },
      { actions: () => h('span', { class: 'mine' }, 'no controls') },
    )
    expect(wrapper.get('[role=progressbar]').attributes('aria-valuetext')).toBe('0 of 100')
    expect(wrapper.get('.mine').text()).toBe('no controls')
    expect(wrapper.findAll('button')).toHaveLength(0)
    wrapper.unmount()
  })
})

describe('<ResumeBanner>', () => {
  const records = [pendingOf('video.mov', 4 * 1024 ** 3, 0.5), pendingOf('scan.tiff', 1000, 0.1)]

  it('renders nothing without pending uploads', async () => {
    const wrapper = await mountWith(ResumeBanner, createFakeUploader())
    await flushPromises()
    expect(wrapper.find('section').exists()).toBe(false)
    wrapper.unmount()
  })

  it('lists pending uploads with Reselect, Clear and Later, and Resume where possible', async () => {
    const engine = createFakeUploader({}, records)
    const wrapper = await mountWith(
      ResumeBanner,
      engine,
      {},
      { canResume: (r: { file: { name: string } }) => r.file.name === 'video.mov' },
    )
    await flushPromises()
    const section = wrapper.get('section')
    expect(wrapper.get(`#${section.attributes('aria-labelledby')}`).text()).toBe(
      '2 unfinished upload(s) from an earlier visit',
    )
    const items = wrapper.findAll('li')
    expect(items[0].text()).toContain('2.0 GB of 4.0 GB sent')
    expect(items[0].findAll('button').map((b) => b.attributes('data-action'))).toEqual([
      'resume',
      'reselect',
      'discard',
      'dismiss',
    ])
    expect(items[1].findAll('button').map((b) => b.attributes('data-action'))).toEqual([
      'reselect',
      'discard',
      'dismiss',
    ])

    await items[1].get('[data-action=dismiss]').trigger('click')
    expect(wrapper.findAll('li')).toHaveLength(1)
    expect(engine.calls).toEqual([]) // dismiss keeps everything
    expect(wrapper.findComponent(ResumeBanner).emitted('dismissed')).toHaveLength(1)

    await wrapper.get('[data-action=discard]').trigger('click')
    await flushPromises()
    expect(engine.calls).toEqual([`discard:${records[0].key}`])
    expect(wrapper.find('section').exists()).toBe(false)
    expect(wrapper.get('[aria-live=polite]').text()).toBe('video.mov cleared.')
    expect(wrapper.findComponent(ResumeBanner).emitted('discarded')).toHaveLength(1)
    wrapper.unmount()
  })

  it('hands a reselected file to the engine', async () => {
    const engine = createFakeUploader({}, records)
    const wrapper = await mountWith(ResumeBanner, engine, { locale: 'zh-CN' })
    await flushPromises()
    expect(wrapper.text()).toContain('重新选择文件')
    const input = wrapper.get('input[type=file]').element as HTMLInputElement
    input.addEventListener('click', (e) => e.preventDefault())
    await wrapper.findAll('[data-action=reselect]')[1].trigger('click')
    setFiles(input, [fileOf(1000, 'scan.tiff', TEXT)])
    await flushPromises()
    expect(engine.calls).toEqual([`resumeFrom:${records[1].key}:scan.tiff`])
    const resumed = wrapper.findComponent(ResumeBanner).emitted('resumed')
    expect(resumed).toHaveLength(1)
    expect((resumed?.[0][1] as { file: { name: string } }).file.name).toBe('scan.tiff')
    wrapper.unmount()
  })

  it('refuses a different file with a localized message and keeps the record', async () => {
    const engine = createFakeUploader({}, records)
    const wrapper = await mountWith(ResumeBanner, engine, { locale: 'zh-CN' })
    await flushPromises()
    const input = wrapper.get('input[type=file]').element as HTMLInputElement
    input.addEventListener('click', (e) => e.preventDefault())
    await wrapper.findAll('[data-action=reselect]')[1].trigger('click')
    setFiles(input, [fileOf(1000, 'other.tiff', TEXT)])
    await flushPromises()
    expect(wrapper.get('[role=alert]').text()).toContain('other.tiff 不是此上传对应的文件')
    expect(wrapper.findAll('li')).toHaveLength(2)
    const refused = wrapper.findComponent(ResumeBanner).emitted('refused')
    expect((refused?.[0][1] as { code: string }).code).toBe('file-mismatch')
    wrapper.unmount()
  })

  it('shows a discard that could not reach the server as clearing, without actions', async () => {
    const offline = { ...pendingOf('far.bin', 2000, 0.3), key: 'k#offline' }
    const engine = createFakeUploader({}, [offline])
    const wrapper = await mountWith(ResumeBanner, engine)
    await flushPromises()
    await wrapper.get('[data-action=discard]').trigger('click')
    await flushPromises()
    expect(engine.calls).toEqual(['discard:k#offline'])
    expect(wrapper.get('[data-state=clearing]').text()).toContain('Clearing on the server')
    expect(wrapper.find('[data-action=reselect]').exists()).toBe(false)
    // Not discarded yet: neither announced as cleared nor a `discarded` event.
    expect(wrapper.get('[aria-live=polite]').text()).not.toContain('cleared')
    expect(wrapper.findComponent(ResumeBanner).emitted('discarded')).toBeUndefined()
    wrapper.unmount()
  })

  it('shows dismissed uploads again (undismiss)', async () => {
    const engine = createFakeUploader({}, records)
    const wrapper = await mountWith(ResumeBanner, engine)
    await flushPromises()
    for (const button of wrapper.findAll('[data-action=dismiss]')) await button.trigger('click')
    expect(wrapper.find('section').exists()).toBe(false)
    const undismiss = wrapper.get('[data-action=undismiss]')
    expect(undismiss.text()).toBe('Show 2 hidden unfinished upload(s)')
    await undismiss.trigger('click')
    expect(wrapper.findAll('li')).toHaveLength(2)
    expect(engine.calls).toEqual([])
    wrapper.unmount()
  })

  it('resumes from a kept handle by default, and falls back on a denied permission', async () => {
    const file = fileOf(1000, 'video.mov', TEXT)
    const handle = (permission: PermissionState) => ({
      kind: 'file' as const,
      name: 'video.mov',
      getFile: async () => file,
      queryPermission: async () => 'prompt' as PermissionState,
      requestPermission: async () => permission,
    })
    const base = {
      ...pendingOf('video.mov', 1000, 0.5),
      file: { ...pendingOf('video.mov', 1000, 0.5).file, lastModified: file.lastModified },
    }
    const granted = { ...base, key: 'granted', handle: handle('granted') }
    const denied = { ...base, key: 'denied', handle: handle('denied') }
    const engine = createFakeUploader({}, [denied, granted])
    const wrapper = await mountWith(ResumeBanner, engine)
    await flushPromises()
    const [first, second] = wrapper.findAll('li')
    await first.get('[data-action=resume]').trigger('click')
    await flushPromises()
    expect(first.get('[role=alert]').text()).toBe(
      'Permission to read the file was not given. Choose the file again to continue.',
    )
    expect(first.find('[data-action=reselect]').exists()).toBe(true)
    expect(engine.calls).toEqual([])
    await second.get('[data-action=resume]').trigger('click')
    await flushPromises()
    expect(engine.calls).toEqual(['resumeFrom:granted:video.mov'])
    expect(wrapper.findComponent(ResumeBanner).emitted('resumed')).toHaveLength(1)
    wrapper.unmount()
  })
})
