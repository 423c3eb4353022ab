/**
 * The resume banner's flows in real Chromium, for each protocol against its real server:
 * reload mid-upload → a different file of the same name and size is refused (nothing
 * sent) → the same file resumes byte-identical within the re-send bound; browser restart
 * on the same profile → the banner lists the upload → Resume without a dialog (a kept
 * OPFS handle; a denied permission falls back); clear → nothing left on the server and no
 * record, also when the server was unreachable at first (retried on coming back online).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomFile, startPageServer } from './harness'
import {
  launchOnProfile,
  profileDir,
  startBackends,
  type Backends,
  type ProtocolName,
} from './resume-backends'
import { MiB } from '../fakes/files'
import { throttle } from './rig'

const SIZE = 24 * MiB

interface SavedRecord {
  key: string
  remote: Record<string, unknown>
  parts: { index: number }[]
  clearing?: boolean
  hasHandle: boolean
}

let backends: Backends
let pages: { url: string; close(): Promise<void> }

beforeAll(async () => {
  pages = await startPageServer({ include: ['idb-keyval', 'vue', '@vueuse/core'] })
  backends = await startBackends([pages.url])
})

afterAll(async () => {
  await Promise.allSettled([backends?.close(), pages?.close()])
})

/** A file with the same name and size as `name` but other bytes, in its own folder. */
function impostorOf(name: string, size: number): string {
  const dir = join(tmpdir(), 'vcu-files', 'impostor')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, name)
  writeFileSync(path, randomBytes(size))
  return path
}

const records = (page: Page) =>
  page.evaluate(() => window.vcuResume.records()) as unknown as Promise<SavedRecord[]>
const progress = (page: Page) =>
  page.getAttribute('[role=progressbar]', 'aria-valuenow').then(Number)
const chunkOf = (protocol: ProtocolName) => (protocol === 's3' ? 5 * MiB : 4 * MiB)

async function open(context: BrowserContext, protocol: ProtocolName): Promise<Page> {
  const page = await context.newPage()
  const query = new URLSearchParams({
    protocol,
    endpoint: backends.endpoint(protocol),
    chunk: String(chunkOf(protocol)),
  })
  await page.goto(`${pages.url}/resume.html?${query}`)
  await page.waitForFunction(() => window.vcuResume !== undefined)
  return page
}

/**
 * Requests that could change the server (anything but a status query), from now on, with
 * the `Upload-Offset` they carried (HTTP: where in its chunk a PUT starts).
 */
function writesFrom(page: Page): { method: string; url: string; offset: number }[] {
  const writes: { method: string; url: string; offset: number }[] = []
  page.on('request', (request) => {
    if (['PUT', 'PATCH', 'POST', 'DELETE'].includes(request.method()))
      writes.push({
        method: request.method(),
        url: request.url(),
        offset: Number(request.headers()['upload-offset'] ?? 0),
      })
  })
  return writes
}

const storedMd5s = (protocol: ProtocolName): Promise<string[]> => backends.storedMd5s(protocol)

async function untilDone(page: Page): Promise<void> {
  await page.waitForFunction(() => window.vcuResume.states().includes('done'), null, {
    timeout: 120_000,
  })
}

describe.each(['http', 'tus', 's3'] as const)('resume flows over %s in Chromium', (protocol) => {
  it('reload at ~50 %: a different file is refused, the same file resumes byte-identical', async () => {
    const source = await randomFile(SIZE, `vcu-resume-${protocol}.bin`)
    const impostor = impostorOf(`vcu-resume-${protocol}.bin`, SIZE)
    const dir = profileDir()
    const context = await launchOnProfile(dir)
    try {
      const page = await open(context, protocol)
      // S3: part numbers S3 acknowledged before the reload (they must not be sent again).
      const ackedBefore = new Set<number>()
      page.on('response', (response) => {
        const url = new URL(response.url())
        const part = url.searchParams.get('partNumber')
        if (part && response.request().method() === 'PUT' && response.status() === 200)
          ackedBefore.add(Number(part))
      })
      await throttle(page, 6 * MiB)
      await page.setInputFiles('.vcu-dropzone input[type=file]', source.path)
      await expect
        .poll(() => progress(page), { timeout: 60_000, interval: 100 })
        .toBeGreaterThanOrEqual(40)
      expect(await progress(page)).toBeLessThan(100)
      await page.reload()
      const frozenAcked = new Set(ackedBefore)
      await page.waitForFunction(() => window.vcuResume !== undefined)
      await page.waitForSelector(`.vcu-resume >> text=vcu-resume-${protocol}.bin`)
      const [saved] = await records(page)
      expect(saved.remote).toBeDefined()
      const heldBefore = protocol === 's3' ? 0 : await backends.held(protocol, saved.remote)
      const tusBefore = backends.tusReceived()

      // A different file with the same name and size: refused, nothing sent or changed.
      const writes = writesFrom(page)
      let chooser = page.waitForEvent('filechooser')
      await page.click('.vcu-resume [data-action=reselect]')
      await (await chooser).setFiles(impostor)
      const alert = page.locator('.vcu-resume [role=alert]')
      await expect
        .poll(() => alert.textContent(), { timeout: 30_000 })
        .toContain('is not the file this upload was for')
      expect(writes).toEqual([])
      expect(await records(page)).toEqual([saved])
      if (protocol !== 's3') expect(await backends.held(protocol, saved.remote)).toBe(heldBefore)
      expect(await backends.leftOnServer(protocol, saved.remote)).toBe(true)

      // The same file: resumes from what the server holds.
      chooser = page.waitForEvent('filechooser')
      await page.click('.vcu-resume [data-action=reselect]')
      await (await chooser).setFiles(source.path)
      await untilDone(page)
      expect(await page.evaluate(() => window.vcuResume.resumed())).toEqual([true])
      expect(await storedMd5s(protocol)).toContain(source.md5)
      await expect.poll(() => records(page)).toEqual([])

      const chunk = chunkOf(protocol)
      if (protocol === 'http') {
        // Chunk PUTs after the reload, each from its Upload-Offset: the server kept the start
        // of the chunk the cut request was in, so only what it lacks is sent again.
        const puts = writes.filter(
          (w) => w.method === 'PUT' && /\/chunks\/\d+$/.test(new URL(w.url).pathname),
        )
        const sent = puts
          .map((w) => {
            const index = Number(new URL(w.url).pathname.split('/').pop())
            return Math.min(chunk, SIZE - index * chunk) - w.offset
          })
          .reduce((sum, bytes) => sum + bytes, 0)
        expect(puts.some((w) => w.offset > 0)).toBe(true)
        expect(sent).toBeLessThanOrEqual(SIZE - heldBefore)
        console.log(`http: held ${heldBefore} at reload, sent ${sent} after (${SIZE} total)`)
      } else if (protocol === 'tus') {
        const sent = backends.tusReceived() - tusBefore
        expect(sent).toBeLessThanOrEqual(SIZE - heldBefore + MiB)
        console.log(`tus: held ${heldBefore} at reload, received ${sent} after (${SIZE} total)`)
      } else {
        const after = writes
          .filter((w) => w.method === 'PUT' && new URL(w.url).searchParams.has('partNumber'))
          .map((w) => Number(new URL(w.url).searchParams.get('partNumber')))
        // Only parts S3 had not acknowledged before the reload (the ones in flight and after).
        expect(after.filter((n) => frozenAcked.has(n))).toEqual([])
        expect(new Set(after).size).toBe(Math.ceil(SIZE / chunk) - frozenAcked.size)
        console.log(
          `s3: ${frozenAcked.size} parts acknowledged at reload, ${after.length} sent after`,
        )
      }
    } finally {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('browser restart: the banner lists the upload; Resume reads the kept handle, no dialog', async () => {
    const source = await randomFile(SIZE, `vcu-restart-${protocol}.bin`)
    const name = `vcu-restart-${protocol}.bin`
    const dir = profileDir()
    let context = await launchOnProfile(dir)
    try {
      let page = await open(context, protocol)
      await page.setInputFiles('#seed', source.path)
      expect(await page.evaluate((n) => window.vcuResume.seedOpfs(n), name)).toBe(SIZE)
      await throttle(page, 6 * MiB)
      expect(await page.evaluate((n) => window.vcuResume.addFromOpfs(n), name)).toBe(1)
      await expect
        .poll(() => progress(page), { timeout: 60_000, interval: 100 })
        .toBeGreaterThanOrEqual(30)
      await expect.poll(async () => (await records(page)).length).toBe(1)
      expect((await records(page))[0].hasHandle).toBe(true)
      await context.close() // the whole browser goes

      context = await launchOnProfile(dir)
      page = await open(context, protocol)
      await page.waitForSelector(`.vcu-resume >> text=${name}`)
      const resume = page.locator('.vcu-resume [data-action=resume]')
      expect(await resume.count()).toBe(1)

      // Permission refused (the prompt itself cannot be automated): a typed message, the
      // Reselect fallback stays, nothing is sent.
      await page.evaluate(() => {
        const proto = FileSystemFileHandle.prototype as unknown as Record<string, unknown>
        ;(window as unknown as { saved: unknown }).saved = {
          q: proto.queryPermission,
          r: proto.requestPermission,
        }
        proto.queryPermission = async () => 'prompt'
        proto.requestPermission = async () => 'denied'
      })
      const writes = writesFrom(page)
      await resume.click()
      await expect
        .poll(() => page.locator('.vcu-resume [role=alert]').textContent())
        .toContain('Permission to read the file was not given')
      expect(writes).toEqual([])
      expect(await page.locator('.vcu-resume [data-action=reselect]').count()).toBe(1)
      await page.evaluate(() => {
        const proto = FileSystemFileHandle.prototype as unknown as Record<string, unknown>
        const saved = (window as unknown as { saved: { q: unknown; r: unknown } }).saved
        proto.queryPermission = saved.q
        proto.requestPermission = saved.r
      })

      // Granted (an OPFS handle always is): resumes without any file dialog.
      let dialogs = 0
      page.on('filechooser', () => dialogs++)
      await resume.click()
      await untilDone(page)
      expect(dialogs).toBe(0)
      expect(await page.evaluate(() => window.vcuResume.resumed())).toEqual([true])
      expect(await storedMd5s(protocol)).toContain(source.md5)
      await expect.poll(() => records(page)).toEqual([])
    } finally {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('clear: kept as clearing while the server is unreachable, then nothing left and no record', async () => {
    const source = await randomFile(SIZE, `vcu-clear-${protocol}.bin`)
    const dir = profileDir()
    const context = await launchOnProfile(dir)
    try {
      const page = await open(context, protocol)
      await throttle(page, 6 * MiB)
      await page.setInputFiles('.vcu-dropzone input[type=file]', source.path)
      await expect
        .poll(() => progress(page), { timeout: 60_000, interval: 100 })
        .toBeGreaterThanOrEqual(30)
      await page.reload()
      await page.waitForSelector(`.vcu-resume >> text=vcu-clear-${protocol}.bin`)
      const [saved] = await records(page)
      expect(await backends.leftOnServer(protocol, saved.remote)).toBe(true)

      // The server cannot be reached: its requests are refused, and the browser is offline.
      const unreachable = (url: URL) => url.href.startsWith(backends.endpoint(protocol))
      await page.route(unreachable, (route) => route.abort('connectionrefused'))
      await context.setOffline(true)
      await page.click('.vcu-resume [data-action=discard]')
      await page.waitForSelector('.vcu-resume [data-state=clearing]')
      expect((await records(page))[0]).toMatchObject({ key: saved.key, clearing: true })
      expect(await backends.leftOnServer(protocol, saved.remote)).toBe(true)

      // Back online: the clear is retried by itself.
      await page.unroute(unreachable)
      await context.setOffline(false)
      await page.waitForSelector('.vcu-resume', { state: 'detached', timeout: 30_000 })
      expect(await records(page)).toEqual([])
      expect(await backends.leftOnServer(protocol, saved.remote)).toBe(false)
    } finally {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the dropzone in Chromium under automation', () => {
  it('a file dropped from the OS keeps its handle; after a reload the permission prompt decides', async () => {
    const source = await randomFile(SIZE, 'vcu-dropped-handle.bin')
    const dir = profileDir()
    const context = await launchOnProfile(dir)
    try {
      const page = await open(context, 'http')
      await throttle(page, 6 * MiB)
      // A real drag from the OS (CDP), so getAsFileSystemHandle() gives a real handle.
      const box = (await page.locator('.vcu-dropzone').boundingBox())!
      const cdp = await context.newCDPSession(page)
      const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 }
      const data = { items: [], files: [source.path], dragOperationsMask: 1 }
      for (const type of ['dragEnter', 'dragOver', 'drop'] as const)
        await cdp.send('Input.dispatchDragEvent', { type, ...at, data })
      await expect
        .poll(() => progress(page), { timeout: 60_000, interval: 100 })
        .toBeGreaterThanOrEqual(30)
      await expect.poll(async () => (await records(page))[0]?.hasHandle).toBe(true)
      await page.reload()
      await page.waitForSelector('.vcu-resume >> text=vcu-dropped-handle.bin')
      // The handle survived the reload in IndexedDB; its permission lapsed with the page, so
      // Resume asks again, and headless Chromium never answers that prompt: the user's
      // "Block" is the one thing stubbed. A real handle without permission cannot be read.
      expect(await page.evaluate(() => window.vcuResume.permissions())).toEqual(['prompt'])
      await page.evaluate(() => {
        const proto = FileSystemFileHandle.prototype as unknown as Record<string, unknown>
        proto.requestPermission = async () => 'denied'
      })
      const writes = writesFrom(page)
      await page.click('.vcu-resume [data-action=resume]')
      await expect
        .poll(() => page.locator('.vcu-resume [role=alert]').textContent())
        .toContain('Permission to read the file was not given')
      expect(writes).toEqual([])
      // The fallback: Reselect file, checked and resumed.
      const chooser = page.waitForEvent('filechooser')
      await page.click('.vcu-resume [data-action=reselect]')
      await (await chooser).setFiles(source.path)
      await untilDone(page)
      expect(await page.evaluate(() => window.vcuResume.resumed())).toEqual([true])
      expect(await storedMd5s('http')).toContain(source.md5)
    } finally {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('clicking it still opens a dialog the test can drive (the picker is intercepted)', async () => {
    const source = await randomFile(1024 * 1024, 'vcu-picker-1m.bin')
    const dir = profileDir()
    const context = await launchOnProfile(dir)
    try {
      const page = await open(context, 'http')
      const chooser = page.waitForEvent('filechooser')
      await page.click('.vcu-dropzone button')
      await (await chooser).setFiles(source.path)
      await untilDone(page)
    } finally {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
