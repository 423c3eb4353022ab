/* eslint-disable vue/one-component-per-file -- small test components side by side */
import { createApp, defineComponent, h, inject } from 'vue'
import { describe, expect, it } from 'vitest'
import { UploadError } from '../../src/core'
import {
  createUploadPlugin,
  provideChunkedUpload,
  UploadContextKey,
  useChunkedUpload,
  useUploadMessages,
  type UploadContext,
} from '../../src/vue'
import { FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'

const TestMarker = defineComponent({ name: 'TestMarker', render: () => h('i') })

describe('createUploadPlugin', () => {
  it('provides one lazily created engine, registers components, destroys it on unmount', async () => {
    const protocol = new FakeProtocol()
    let created = 0
    let context: UploadContext | undefined
    let upload!: ReturnType<typeof useChunkedUpload>
    let texts!: ReturnType<typeof useUploadMessages>
    const app = createApp(
      defineComponent({
        setup() {
          context = inject(UploadContextKey)
          upload = useChunkedUpload({ locale: 'zh-CN' })
          texts = useUploadMessages({ locale: 'zh-CN' })
          return () => h('div')
        },
      }),
    )
    app.use(createUploadPlugin({ TestMarker }), {
      protocol: () => (created++, protocol),
      transport: new ScriptedTransport(),
      store: false,
      hashing: false,
    })
    expect(app.component('TestMarker')).toBe(TestMarker)
    expect(created).toBe(0) // nothing is built at install time
    app.mount(document.createElement('div'))
    expect(created).toBe(1)
    expect(context).toBeDefined()
    // Per-caller options (locale) apply without creating a second engine.
    expect(upload.options.locale).toBe('zh-CN')
    expect(texts.message(new UploadError('network', 'x'))).toMatch(/网络/)
    upload.add(new File(['abc'], 'a.txt'))
    const part = await protocol.nextPart()
    expect(created).toBe(1)
    app.unmount()
    expect(part.signal.aborted).toBe(true)
  })

  it('provideChunkedUpload gives a subtree its own engine and inherits the app defaults', () => {
    const outer = new FakeProtocol()
    const inner = new FakeProtocol()
    const seen: string[] = []
    let provided!: ReturnType<typeof provideChunkedUpload>
    const Child = defineComponent({
      setup() {
        const up = useChunkedUpload()
        const { locale } = useUploadMessages()
        seen.push(
          `${up.getUploader() !== undefined}:${locale.value}:${String(up.options.protocol === inner)}`,
        )
        seen.push(`same engine as the provider: ${up.getUploader() === provided.getUploader()}`)
        return () => h('span')
      },
    })
    const Area = defineComponent({
      setup() {
        // What useChunkedUpload() returns, for the provider's own use of its engine.
        provided = provideChunkedUpload({ protocol: inner, transport: new ScriptedTransport() })
        return () => h(Child)
      },
    })
    const app = createApp(Area)
    app.use(createUploadPlugin(), { protocol: outer, locale: 'zh-CN', store: false })
    app.mount(document.createElement('div'))
    expect(seen).toEqual(['true:zh-CN:true', 'same engine as the provider: true'])
    expect(provided.uploads.value).toEqual([])
    app.unmount()
  })
})
