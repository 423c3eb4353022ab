import { mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { UploadProgress } from '../../src/components'
import { kindOf } from '../../src/components/file-kind'
import { createUploader } from '../../src/core'
import { provideChunkedUpload, type UploadOptions } from '../../src/vue'
import { FakeClock } from '../fakes/fake-clock'
import { FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'
import { createFakeUploader, errorOf, uploadIn, type FakeUploader } from '../fakes/fake-uploader'

// Decoding is the browser's (createImageBitmap; the stories run it in Chromium). Here each
// decode is a promise the test settles, to see when and how many run.
const decodes = vi.hoisted(
  () => [] as { blob: Blob; resolve: (b: Blob) => void; reject: (e: unknown) => void }[],
)
vi.mock('../../src/components/thumbnail-decode', () => ({
  decodeThumbnail: (blob: Blob) =>
    new Promise<Blob>((resolve, reject) => decodes.push({ blob, resolve, reject })),
}))

/** An IntersectionObserver the test drives: `show(el)` / `hide(el)`. */
class FakeObserver {
  static all: FakeObserver[] = []
  readonly watched = new Set<Element>()
  constructor(private readonly callback: IntersectionObserverCallback) {
    FakeObserver.all.push(this)
  }
  observe(el: Element) {
    this.watched.add(el)
  }
  unobserve(el: Element) {
    this.watched.delete(el)
  }
  disconnect() {
    this.watched.clear()
  }
  fire(el: Element, isIntersecting: boolean) {
    if (this.watched.has(el))
      this.callback([{ target: el, isIntersecting } as never], this as never)
  }
}
const showRow = (el: Element, visible = true) =>
  FakeObserver.all.forEach((o) => o.fire(el, visible))

let urls: string[]
let revoked: string[]
beforeEach(() => {
  decodes.length = 0
  FakeObserver.all = []
  urls = []
  revoked = []
  vi.stubGlobal('IntersectionObserver', FakeObserver)
  vi.spyOn(URL, 'createObjectURL').mockImplementation(() => {
    urls.push(`blob:thumb-${urls.length}`)
    return urls.at(-1)!
  })
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => void revoked.push(url))
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

async function mountWith(
  engine: FakeUploader,
  props: Record<string, unknown> = {},
  options: UploadOptions = {},
) {
  const Host = defineComponent({
    setup() {
      provideChunkedUpload({ uploader: engine, ...options })
      return () => h(UploadProgress, props)
    },
  })
  const wrapper = mount(Host, { attachTo: document.body })
  await nextTick()
  return wrapper
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await nextTick()
}

function photos(count: number, type = 'image/png') {
  const uploads = Array.from({ length: count }, (_, i) =>
    uploadIn({ state: 'queued' }, 0, { id: `p${i}`, name: `p${i}.png`, size: 10, type }),
  )
  const files = Object.fromEntries(uploads.map((u) => [u.id, new Blob(['x'], { type })]))
  return createFakeUploader({ uploads }, [], files)
}

const rowOf = (wrapper: ReturnType<typeof mount>, id: string) =>
  wrapper.findAll('li').find((li) => li.text().includes(`${id}.png`))!

describe('<UploadProgress> thumbnails', () => {
  it('decodes only rows in view, two at a time, and shows each as an <img>', async () => {
    const engine = photos(5)
    const wrapper = await mountWith(engine)
    expect(decodes).toHaveLength(0) // nothing is in view yet
    for (const li of wrapper.findAll('li')) showRow(li.element)
    await settle()
    expect(decodes).toHaveLength(2)
    decodes[0].resolve(new Blob(['small'], { type: 'image/webp' }))
    await settle()
    expect(decodes).toHaveLength(3)
    const image = rowOf(wrapper, 'p0').get('img')
    expect(image.attributes('src')).toBe('blob:thumb-0')
    expect(image.attributes('alt')).toBe('')
    expect(image.attributes('decoding')).toBe('async')
    expect(rowOf(wrapper, 'p1').find('img').exists()).toBe(false)
    wrapper.unmount()
  })

  it('skips a row scrolled past before its turn', async () => {
    const engine = photos(3)
    const wrapper = await mountWith(engine)
    const rows = wrapper.findAll('li')
    for (const li of rows) showRow(li.element)
    showRow(rows[2].element, false)
    decodes[0].resolve(new Blob(['a']))
    decodes[1].resolve(new Blob(['b']))
    await settle()
    expect(decodes.map((d) => d.blob)).toEqual([engine.getFile('p0'), engine.getFile('p1')])
    wrapper.unmount()
  })

  it('revokes the URL when the row goes and when the list is unmounted', async () => {
    const engine = photos(3)
    const wrapper = await mountWith(engine)
    for (const li of wrapper.findAll('li')) showRow(li.element)
    await settle()
    decodes[0].resolve(new Blob(['a']))
    decodes[1].resolve(new Blob(['b']))
    await settle()
    decodes[2].resolve(new Blob(['c']))
    await settle()
    expect(urls).toEqual(['blob:thumb-0', 'blob:thumb-1', 'blob:thumb-2'])
    expect(revoked).toEqual([])
    const [first, ...rest] = engine.getSnapshot().uploads
    engine.set({ uploads: rest })
    await settle()
    expect(revoked).toEqual(['blob:thumb-0'])
    expect(first.id).toBe('p0')
    wrapper.unmount()
    expect(revoked.sort()).toEqual(['blob:thumb-0', 'blob:thumb-1', 'blob:thumb-2'])
  })

  it('never makes a URL for a row that went while decoding', async () => {
    const engine = photos(1)
    const wrapper = await mountWith(engine)
    showRow(wrapper.get('li').element)
    await settle()
    engine.set({ uploads: [] })
    await settle()
    decodes[0].resolve(new Blob(['late']))
    await settle()
    expect(urls).toEqual([])
    wrapper.unmount()
  })

  it('keeps the type icon when decoding fails, for non-images, and with thumbnails off', async () => {
    const engine = photos(1)
    const wrapper = await mountWith(engine)
    showRow(wrapper.get('li').element)
    await settle()
    decodes[0].reject(new DOMException('The source image could not be decoded.'))
    await settle()
    expect(wrapper.find('img').exists()).toBe(false)
    expect(wrapper.get('li svg').attributes('data-kind')).toBe('image')
    wrapper.unmount()

    const pdf = await mountWith(photos(1, 'application/pdf'))
    showRow(pdf.get('li').element)
    await settle()
    expect(decodes).toHaveLength(1) // only the failed one above
    expect(pdf.get('li svg').attributes('data-kind')).toBe('pdf')
    pdf.unmount()

    const off = await mountWith(photos(1), { thumbnails: false })
    expect(FakeObserver.all.flatMap((o) => [...o.watched])).toEqual([])
    off.unmount()
  })
})

describe('<UploadProgress> bulk actions', () => {
  const mixed = () =>
    createFakeUploader({
      uploads: [
        uploadIn({ state: 'uploading', retrying: false }, 0.3, { id: 'run' }),
        uploadIn({ state: 'error', error: errorOf('network') }, 0.5, { id: 'bad' }),
        uploadIn({ state: 'done', result: { size: 1 } }, 1, { id: 'ok' }),
        uploadIn({ state: 'canceled' }, 0.1, { id: 'gone' }),
      ],
    })

  it('pauses, retries and clears through the engine; a button that does nothing is aria-disabled', async () => {
    const engine = mixed()
    const wrapper = await mountWith(engine)
    const group = wrapper.get('[role=group]')
    expect(group.attributes('aria-label')).toBe('All uploads')
    const button = (action: string) => group.get(`[data-action=${action}]`)
    expect(group.findAll('button').map((b) => [b.text(), b.attributes('aria-disabled')])).toEqual([
      ['Pause all', undefined],
      ['Resume all', 'true'],
      ['Retry all', undefined],
      ['Clear finished', undefined],
    ])
    await button('resume').trigger('click')
    expect(engine.calls).toEqual([])
    await button('pause').trigger('click')
    await button('retry').trigger('click')
    await button('removeFinished').trigger('click')
    await settle()
    // Clear removes done and canceled uploads; the failed one stays for a retry.
    expect(engine.calls).toEqual(['pause', 'retry', 'remove:ok', 'remove:gone'])
    const emitted = wrapper.findComponent(UploadProgress).emitted('bulk')
    expect(emitted).toEqual([['pause'], ['retry'], ['removeFinished']])
    wrapper.unmount()
  })

  it('shows with more than one upload (bulk="auto"), speaks zh-CN', async () => {
    const one = await mountWith(createFakeUploader({ uploads: [uploadIn({ state: 'queued' })] }))
    expect(one.find('[role=group]').exists()).toBe(false)
    one.unmount()
    const zh = await mountWith(mixed(), {}, { locale: 'zh-CN' })
    expect(zh.get('[role=group]').attributes('aria-label')).toBe('全部上传')
    expect(zh.findAll('[role=group] button').map((b) => b.text())).toEqual([
      '全部暂停',
      '全部继续',
      '全部重试',
      '清除已完成',
    ])
    zh.unmount()
  })
})

describe('file kinds', () => {
  it.each([
    ['a.jpg', 'image/jpeg', 'image'],
    ['a.mov', 'video/quicktime', 'video'],
    ['a.flac', 'audio/flac', 'audio'],
    ['a.pdf', 'application/pdf', 'pdf'],
    ['a.zip', 'application/zip', 'archive'],
    ['a.tar.gz', 'application/octet-stream', 'archive'],
    ['README.md', '', 'text'],
    ['data.json', 'application/json', 'text'],
    ['.bashrc', '', 'file'],
    ['blob', '', 'file'],
  ] as const)('%s (%s) is %s', (name, type, kind) => {
    expect(kindOf({ name, type })).toBe(kind)
  })
})

describe('engine getFile', () => {
  it('gives the Blob of an upload until it is removed', async () => {
    const uploader = createUploader({
      protocol: new FakeProtocol(),
      transport: new ScriptedTransport(),
      clock: new FakeClock(),
      autoStart: false,
    })
    const file = new File(['hello'], 'a.txt', { type: 'text/plain' })
    const [upload] = uploader.add(file).added
    expect(uploader.getFile(upload.id)).toBe(file)
    expect(uploader.getFile('nope')).toBeUndefined()
    await uploader.remove(upload.id)
    expect(uploader.getFile(upload.id)).toBeUndefined()
    uploader.destroy()
  })
})
