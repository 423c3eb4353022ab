/**
 * The components' theme in real Chromium: every --vcu-* default sits on the document root
 * with zero specificity, so a value set on :root or any ancestor wins, and the dark palette
 * follows data-vcu-theme on any ancestor (<html> included) or prefers-color-scheme. Also
 * mounts a thousand uploads and reports the longest main-thread task (printed, never asserted).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { launchChromium, startPageServer, type BrowserSession } from './harness'
import type { ComponentsApi } from './pages/components'

const LIGHT_BG = 'rgb(255, 255, 255)'
const DARK_BG = 'rgb(13, 17, 23)'
const LIGHT_ACCENT = 'rgb(9, 105, 218)'
const DARK_ACCENT = 'rgb(68, 147, 248)'

let chromium: BrowserSession
let pages: { url: string; close(): Promise<void> }
let page: Page

function mount(count: number, options: Parameters<ComponentsApi['mount']>[1] = {}) {
  return page.evaluate(
    ([n, o]) => (window as unknown as { vcuComponents: ComponentsApi }).vcuComponents.mount(n, o),
    [count, options] as const,
  )
}

/** The computed background of the first row and of the first bar's fill. */
const colours = () =>
  page.evaluate(() => {
    const item = document.querySelector('.vcu-progress__item')!
    const fill = item.querySelector('.vcu-progress__fill')!
    return {
      item: getComputedStyle(item).backgroundColor,
      fill: getComputedStyle(fill).backgroundColor,
    }
  })

beforeAll(async () => {
  pages = await startPageServer()
  chromium = await launchChromium()
  page = await chromium.newPage()
  await page.goto(`${pages.url}/components.html`)
  await page.waitForFunction(() => 'vcuComponents' in window)
})

afterAll(async () => {
  await chromium?.close()
  await pages?.close()
})

beforeEach(async () => {
  // Each case starts from a light system, no attribute on <html> and no page styles.
  await page.emulateMedia({ colorScheme: 'light' })
  await page.evaluate(() => {
    delete document.documentElement.dataset.vcuTheme
    document.documentElement.removeAttribute('style')
    document.querySelectorAll('style[data-test]').forEach((style) => style.remove())
  })
})

describe('theme through inherited custom properties (Chromium)', () => {
  it('defaults to the light palette', async () => {
    await mount(2)
    expect(await colours()).toEqual({ item: LIGHT_BG, fill: LIGHT_ACCENT })
  })

  it('takes --vcu-accent from a :root rule, even one that comes before the library styles', async () => {
    await page.evaluate(() => {
      const style = document.createElement('style')
      style.dataset.test = ''
      style.textContent = ':root { --vcu-accent: #7c3aed; }'
      document.head.prepend(style)
    })
    await mount(2)
    expect(await colours()).toEqual({ item: LIGHT_BG, fill: 'rgb(124, 58, 237)' })
  })

  it('takes --vcu-* from any ancestor, not only the direct parent', async () => {
    await mount(2, {
      wrapper:
        '<div style="--vcu-accent: #b3261e; --vcu-bg: #fafafa"><p><span id="slot"></span></p></div>',
    })
    expect(await colours()).toEqual({ item: 'rgb(250, 250, 250)', fill: 'rgb(179, 38, 30)' })
  })

  it('is dark with data-vcu-theme="dark" on <html>', async () => {
    await page.evaluate(() => (document.documentElement.dataset.vcuTheme = 'dark'))
    await mount(2)
    expect(await colours()).toEqual({ item: DARK_BG, fill: DARK_ACCENT })
  })

  it('is dark under prefers-color-scheme: dark when no theme is set', async () => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await mount(2)
    expect(await colours()).toEqual({ item: DARK_BG, fill: DARK_ACCENT })
  })

  it('stays light on a dark system with data-vcu-theme="light" on <html>', async () => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.evaluate(() => (document.documentElement.dataset.vcuTheme = 'light'))
    await mount(2)
    expect(await colours()).toEqual({ item: LIGHT_BG, fill: LIGHT_ACCENT })
  })

  it('turns a subtree light below a dark <html>, through elements in between', async () => {
    await page.evaluate(() => (document.documentElement.dataset.vcuTheme = 'dark'))
    await mount(2, {
      wrapper: '<div data-vcu-theme="light"><div><div id="slot"></div></div></div>',
    })
    expect(await colours()).toEqual({ item: LIGHT_BG, fill: LIGHT_ACCENT })
  })

  it('keeps a :root accent under the dark palette', async () => {
    await page.evaluate(() => {
      document.documentElement.dataset.vcuTheme = 'dark'
      document.documentElement.style.setProperty('--vcu-accent', '#a371f7')
    })
    await mount(2)
    expect(await colours()).toEqual({ item: DARK_BG, fill: 'rgb(163, 113, 247)' })
  })
})

describe('a thousand rows (Chromium)', () => {
  const tick = () =>
    page.evaluate(() =>
      (window as unknown as { vcuComponents: ComponentsApi }).vcuComponents.tick(),
    )
  // Measured, not asserted (timings depend on the machine): see docs/performance.md.
  const report = (
    density: string,
    mounted: Awaited<ReturnType<typeof mount>>,
    ticked: Awaited<ReturnType<typeof tick>>,
  ) =>
    console.info(
      `[components] 1,000 ${density} rows: mount ${mounted.mountMs} ms, longest task ` +
        `${mounted.longestTaskMs} ms; progress tick ${ticked.updateMs} ms, longest task ` +
        `${ticked.longestTaskMs} ms`,
    )

  it('compact: renders only the rows in view, and scrolling reaches the last one', async () => {
    const mounted = await mount(1000, { density: 'compact' })
    report('compact', mounted, await tick())
    expect(mounted.rows).toBeGreaterThan(0)
    expect(mounted.rows).toBeLessThan(60)
    const first = await page.evaluate(() => {
      const row = document.querySelector('.vcu-progress__item')!
      return [row.getAttribute('aria-posinset'), row.getAttribute('aria-setsize')]
    })
    expect(first).toEqual(['1', '1000'])
    await page.evaluate(() => {
      const viewport = document.querySelector('.vcu-progress__viewport')!
      viewport.scrollTop = viewport.scrollHeight
    })
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.vcu-progress__name')].some(
        (name) => name.textContent === 'photo-0999.jpg',
      ),
    )
    const last = await page.evaluate(() => {
      const viewport = document.querySelector('.vcu-progress__viewport')!
      const rows = [...document.querySelectorAll('.vcu-progress__item')]
      const row = rows.at(-1)!
      // The last row sits inside the scrolled box: the padding stands in for the others.
      const inside =
        row.getBoundingClientRect().bottom <= viewport.getBoundingClientRect().bottom + 1
      return { posinset: row.getAttribute('aria-posinset'), inside, rendered: rows.length }
    })
    expect(last).toEqual({ posinset: '1000', inside: true, rendered: expect.any(Number) })
    expect(last.rendered).toBeLessThan(60)
  })

  it('comfortable: renders a page of 50 rows, then "950 more" and a button for the next', async () => {
    const mounted = await mount(1000, { density: 'comfortable' })
    report('comfortable', mounted, await tick())
    expect(mounted.rows).toBe(50)
    const more = await page.evaluate(() => {
      const control = document.querySelector('.vcu-progress__more')!
      const button = control.querySelector('button')!
      button.focus()
      return { text: control.textContent, focused: document.activeElement === button }
    })
    expect(more.text).toContain('950 more upload(s) not shown.')
    expect(more.focused).toBe(true)
    // The keyboard uses it: Enter on the focused button shows the next page.
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => document.querySelectorAll('li').length === 100)
  })
})
