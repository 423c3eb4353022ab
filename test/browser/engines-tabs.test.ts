/**
 * Two tabs on one upload (Web Locks + BroadcastChannel) and going offline mid-upload, in
 * Chromium, Firefox ESR and WebKitGTK, through the app page pages/tabs.ts over the HTTP
 * chunk protocol. Only Chromium's driver can take the browser offline (tabs-network.test.ts
 * does, in Chromium); here the page hears the browser's `offline` and `online` events
 * with `navigator.onLine` following them, the same in every engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SoakRig } from '../soak/rig'
import { bodyBytes, startRig, storedMd5s, throttleAll } from './engine-backends'
import { ENGINES, launchEngine, type EnginePage, type EngineSession } from './engines'
import { md5OfFile, randomFile, startPageServer } from './harness'
import type { TabsStart, TabsState } from './pages/tabs'
import { first, reasonOf, stateOf, tabsCall, waitFor } from './tabs-client'
import { MiB } from '../fakes/files'

const SIZE = 24 * MiB
const CHUNK = 4 * MiB

const sending = (state: TabsState) =>
  ['uploading', 'completing', 'done'].includes(stateOf(state) ?? '')

/** Requests the page made to `origin` (resource timing: the same in every engine). */
function uploadRequests(page: EnginePage, origin: string): Promise<string[]> {
  return page.evaluate(
    (o) =>
      performance
        .getEntriesByType('resource')
        .map((entry) => entry.name)
        .filter((name) => name.startsWith(o)),
    origin,
  )
}

/** The browser's network events, with `navigator.onLine` saying the same. */
function network(page: EnginePage, online: boolean): Promise<void> {
  return page.evaluate((on) => {
    if (on) delete (navigator as unknown as Record<string, unknown>).onLine
    else Object.defineProperty(navigator, 'onLine', { value: false, configurable: true })
    window.dispatchEvent(new Event(on ? 'online' : 'offline'))
  }, online)
}

describe.each(ENGINES)('tabs and network in %s', (engine) => {
  let browser: EngineSession
  let pages: { url: string; close(): Promise<void> }
  let rig: SoakRig
  let source: { path: string; md5: string }
  let start: TabsStart

  beforeAll(async () => {
    ;[browser, pages, rig, source] = await Promise.all([
      launchEngine(engine),
      startPageServer(),
      startRig(),
      randomFile(SIZE, `vcu-${engine}-tabs.bin`),
    ])
    start = { endpoint: rig.endpoints.http, protocol: 'http', chunkSize: CHUNK }
  }, 120_000)

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), pages?.close()])
    await rig?.close()
  })

  async function openTab(options: Partial<TabsStart> = {}): Promise<EnginePage> {
    const page = await browser.newPage()
    await page.goto(`${pages.url}/tabs.html`)
    await page.waitForFunction(() => (window as unknown as { tabs?: unknown }).tabs !== undefined)
    await page.setInputFiles('#file', source.path)
    await tabsCall(page, 'start', { ...start, ...options })
    return page
  }

  it("two tabs on one upload: the second waits showing the first one's progress, and takes over when it closes", async () => {
    throttleAll(rig, 4 * MiB)
    const one = await openTab()
    const two = await openTab()
    try {
      await tabsCall(one, 'add')
      await waitFor(one, 'first tab uploading', (s) => (first(s)?.bytesUploaded ?? 0) > 2 * MiB)
      await tabsCall(two, 'add')
      const waiting = await waitFor(
        two,
        'second tab waiting',
        (s) => reasonOf(s) === 'elsewhere' && s.elsewhere.length === 1 && (s.valueNow ?? 0) > 0,
      )
      expect(waiting.label).toBe('uploading in another tab')
      expect(waiting.elsewhere[0]).toMatchObject({ size: SIZE, state: 'uploading' })
      await waitFor(
        two,
        'progress from the other tab',
        (s) => (s.valueNow ?? 0) > waiting.valueNow!,
      )
      // The waiting tab sent nothing to the backend (the browser's own record of requests).
      expect(await uploadRequests(two, rig.appProxy.url)).toEqual([])
      expect(stateOf(await tabsCall(one, 'state'))).toBe('uploading')

      await one.close()
      throttleAll(rig, 0)
      const done = await waitFor(two, 'second tab done', (s) => stateOf(s) === 'done', 180_000)
      expect(first(done).resumed).toBe(true)
      expect(first(done).bytesUploaded).toBe(SIZE)
      expect(await storedMd5s(rig, 'http')).toContain(source.md5)
    } finally {
      throttleAll(rig, 0)
      await two.close()
    }
  })

  it('offline mid-upload (the offline event): pauses as offline, resumes on online, byte-identical', async () => {
    throttleAll(rig, 4 * MiB)
    // One part in flight, so going offline cuts at most one part.
    const page = await openTab({ concurrency: 1 })
    const bodyBefore = bodyBytes(rig)
    try {
      await tabsCall(page, 'add')
      // Three quarters of the file through the proxy before the link drops, so a restart from
      // zero would re-send far more than the bound below allows.
      for (let i = 0; i < 600 && bodyBytes(rig) - bodyBefore < (3 * SIZE) / 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(bodyBytes(rig) - bodyBefore).toBeGreaterThanOrEqual((3 * SIZE) / 4)
      await network(page, false)
      const offline = await waitFor(page, 'paused offline', (s) => reasonOf(s) === 'offline')
      expect(offline.online).toBe(false)
      expect(offline.label).toBe('offline, waiting for the network')
      // A while offline: nothing fails, nothing moves.
      await new Promise((resolve) => setTimeout(resolve, 2000))
      const still = await tabsCall(page, 'state')
      expect(reasonOf(still)).toBe('offline')
      expect(first(still).bytesUploaded).toBe(first(offline).bytesUploaded)
      throttleAll(rig, 0)
      await network(page, true)
      await waitFor(page, 'sending again', sending)
      const done = await waitFor(page, 'done', (s) => stateOf(s) === 'done', 180_000)
      expect(first(done).bytesUploaded).toBe(SIZE)
      // Resumed, not restarted: the engine kept the server's upload.
      expect(first(done).restarted).toBe(false)
      // Re-sent, counted at the proxy (which reads at the throttled rate): the part cut at the
      // drop plus what sat in the proxy -> server socket while the server synced (CI saw 6.2 MiB
      // under load); a restart would re-send the 3/4 SIZE less that. The page's own
      // `bytesResent` also counts the browser -> proxy socket buffers (CI saw 9.6 and 20 MiB on
      // loopback under load), bytes the server never got: it is not this bound.
      expect(bodyBytes(rig) - bodyBefore).toBeLessThanOrEqual(SIZE + 2 * CHUNK)
      const status = first(done).status
      const id = status.state === 'done' ? status.result.data?.id : undefined
      expect(await md5OfFile(`${rig.root}/http/files/${String(id)}`)).toBe(source.md5)
    } finally {
      throttleAll(rig, 0)
      await page.close()
    }
  })
})
