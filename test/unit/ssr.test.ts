// @vitest-environment node
/**
 * Server-side rendering in Node: every component renders with the plugin installed while
 * window, document, navigator, indexedDB and Worker are undefined (any use would throw),
 * the engine is never built, and indexedDB and Worker are not even looked at. (`typeof
 * window` guards, as in @vueuse/core, are allowed: they are what makes code SSR-safe.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSSRApp, h, type Component } from 'vue'
import { renderToString } from 'vue/server-renderer'

const TRAPPED = ['window', 'document', 'indexedDB', 'Worker', 'navigator'] as const
const touched: string[] = []
const saved = new Map<string, PropertyDescriptor | undefined>()

beforeAll(() => {
  for (const name of TRAPPED) {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name))
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name)
        return undefined
      },
    })
  }
})

afterAll(() => {
  for (const name of TRAPPED) {
    const descriptor = saved.get(name)
    if (descriptor) Object.defineProperty(globalThis, name, descriptor)
    else delete (globalThis as Record<string, unknown>)[name]
  }
})

async function render(component: Component, props: Record<string, unknown> = {}) {
  // Imported after the traps are set, so import-time access is caught too.
  const { UploadPlugin } = await import('../../src/index')
  let built = 0
  const app = createSSRApp({ render: () => h(component, props) })
  app.use(UploadPlugin, {
    protocol: () => {
      built++
      throw new Error('the engine must not be built on the server')
    },
    locale: 'zh-CN',
    accept: '.mp4',
    maxFiles: 2,
  })
  const html = await renderToString(app)
  return { html, built }
}

describe('server rendering', () => {
  it('renders <UploadDropzone> without touching browser globals', async () => {
    const { UploadDropzone } = await import('../../src/index')
    const { html, built } = await render(UploadDropzone)
    expect(built).toBe(0)
    expect(html).toContain('将文件或文件夹拖到这里')
    expect(html).toContain('允许的类型：.mp4')
    expect(html).toMatch(/<button type="button" class="vcu-dropzone__target"/)
    expect(html).toContain('type="file"')
    expect(touched.filter((name) => name === 'indexedDB' || name === 'Worker')).toEqual([])
  })

  it('renders <UploadProgress> empty', async () => {
    const { UploadProgress } = await import('../../src/index')
    const { html, built } = await render(UploadProgress)
    expect(built).toBe(0)
    expect(html).toContain('暂无上传。')
    expect(touched.filter((name) => name === 'indexedDB' || name === 'Worker')).toEqual([])
  })

  it('renders <ResumeBanner> as nothing but its live region (pending records are client-side)', async () => {
    const { ResumeBanner } = await import('../../src/index')
    const { html, built } = await render(ResumeBanner)
    expect(built).toBe(0)
    expect(html).not.toContain('<section')
    expect(html).toContain('aria-live="polite"')
    expect(touched.filter((name) => name === 'indexedDB' || name === 'Worker')).toEqual([])
  })
})
