/**
 * The set-up most browser tests share, written once: Chromium, the page server and, when
 * asked, a reference server on a fresh store, started in one `beforeAll` and closed (the
 * store deleted) in `afterAll`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import {
  startReferenceServer,
  type RunningReferenceServer,
  type StartReferenceServerOptions,
} from '../../server/index'
import { callPage, launchChromium, startPageServer, type BrowserSession } from './harness'

export interface BrowserRig {
  chromium: BrowserSession
  pages: { url: string; close(): Promise<void> }
  /** The reference server; only when {@link BrowserRigOptions.server} is given. */
  server: RunningReferenceServer
  /** A temporary folder for the server's store (and anything else the test keeps). */
  root: string
}

export interface BrowserRigOptions {
  /** The reference server's options, given the rig's `root` and the page server's URL. */
  server?: (
    root: string,
    pagesUrl: string,
  ) => Partial<StartReferenceServerOptions> | Promise<Partial<StartReferenceServerOptions>>
  /** For `beforeAll`; set-up that also makes a large file wants more than vitest's default. */
  timeoutMs?: number
}

/** Starts the rig before the tests of the enclosing block, hands it to `use`, and closes it. */
export function browserRig(use: (rig: BrowserRig) => void, options: BrowserRigOptions = {}): void {
  let rig: Partial<BrowserRig> = {}
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'vcu-browser-'))
    rig = { root }
    ;[rig.chromium, rig.pages] = await Promise.all([launchChromium(), startPageServer()])
    if (options.server) {
      const serverOptions = await options.server(root, rig.pages.url)
      rig.server = await startReferenceServer({ root, ...serverOptions })
    }
    use(rig as BrowserRig)
  }, options.timeoutMs)
  afterAll(async () => {
    await Promise.allSettled([rig.chromium?.close(), rig.pages?.close(), rig.server?.close()])
    if (rig.root) rmSync(rig.root, { recursive: true, force: true })
  })
}

/** Upload bodies of `page` go at most `bytesPerSecond` (Chromium's own throttling, over CDP). */
export async function throttle(page: Page, bytesPerSecond: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  })
}

/**
 * The hashing worker of `page` comes with a CSP that refuses WebAssembly (no
 * 'wasm-unsafe-eval'), as a strict site would send it.
 */
export async function refuseWasm(page: Page): Promise<void> {
  await page.route(/md5\.worker/, async (route) => {
    const response = await route.fetch()
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': "script-src 'self'" },
    })
  })
}

/**
 * Uploads the page's chosen file to the HTTP chunk server at `endpoint` with hashing on, and
 * expects it done, with the Worker's MD5 and the server's both `md5` (the source's).
 */
export async function uploadHashed(page: Page, endpoint: string, md5: string) {
  const run = await callPage(page, 'upload', { endpoint, hashing: true })
  expect(run.error).toBeUndefined()
  expect(run.upload.status.state).toBe('done')
  expect(run.hash).toBe(md5)
  expect(run.result?.hash).toBe(md5)
  return run
}
