/**
 * The resume banner in Chromium, Firefox ESR and WebKitGTK, over each protocol: reload
 * mid-upload → the banner lists the upload with the bytes the server holds → it says why
 * only "Reselect file" is offered (no File System Access; Chromium's is taken away) →
 * the same file resumes byte-identical, re-sending little. And a browser restart on a
 * kept profile, in the engines whose driver keeps one (not WebKit: its automation
 * sessions are ephemeral). Uploads are slowed at the server side, the same in every engine.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { en } from '../../src/locales/en'
import type { SoakRig } from '../soak/rig'
import {
  bodyBytes,
  heldOnServer,
  PROTOCOLS,
  startRig,
  storedMd5s,
  throttleAll,
  type ProtocolName,
} from './engine-backends'
import {
  ENGINE_FEATURES,
  ENGINES,
  launchEngine,
  randomFile,
  startPageServer,
  type EngineName,
  type EnginePage,
  type EngineSession,
} from './harness'
import { MiB } from '../fakes/files'

const SIZE = 24 * MiB
const chunkOf = (protocol: ProtocolName) => (protocol === 's3' ? 5 * MiB : 4 * MiB)

interface SavedRecord {
  remote: Record<string, unknown>
}

let rig: SoakRig
let pages: { url: string; close(): Promise<void> }

beforeAll(async () => {
  ;[rig, pages] = await Promise.all([
    startRig(),
    startPageServer({ include: ['idb-keyval', 'vue', '@vueuse/core'] }),
  ])
}, 120_000)

afterAll(async () => {
  await pages?.close()
  await rig?.close()
})

async function open(browser: EngineSession, protocol: ProtocolName): Promise<EnginePage> {
  const page = await browser.newPage()
  const query = new URLSearchParams({
    protocol,
    endpoint: rig.endpoints[protocol],
    chunk: String(chunkOf(protocol)),
    nofsa: '1',
  })
  await page.goto(`${pages.url}/resume.html?${query}`)
  await page.waitForFunction(() => window.vcuResume !== undefined)
  return page
}

const records = (page: EnginePage) =>
  page.evaluate(() => window.vcuResume.records()) as unknown as Promise<SavedRecord[]>

async function untilProgress(page: EnginePage, percent: number): Promise<void> {
  await page.waitForFunction(
    (p) =>
      Number(document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') ?? 0) >= p,
    percent,
    { timeout: 90_000 },
  )
}

async function bannerFor(page: EnginePage, name: string): Promise<void> {
  await page.waitForFunction(
    (n) => document.querySelector('.vcu-resume')?.textContent?.includes(n) === true,
    name,
    { timeout: 30_000 },
  )
}

/** Reselect the file in the banner, and wait until the upload is done. */
async function reselectAndFinish(page: EnginePage, path: string): Promise<void> {
  await page.chooseFile('.vcu-resume [data-action=reselect]', path)
  await page.waitForFunction(() => window.vcuResume.states().includes('done'), undefined, {
    timeout: 120_000,
  })
  expect(await page.evaluate(() => window.vcuResume.resumed())).toEqual([true])
}

describe.each(ENGINES)('resume in %s', (engine: EngineName) => {
  let browser: EngineSession

  beforeAll(async () => {
    browser = await launchEngine(engine)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
  })

  describe.each(PROTOCOLS)('over %s', (protocol) => {
    it('reload at ~40 %: the banner shows the bytes the server holds and why only Reselect; the same file resumes byte-identical', async () => {
      const name = `vcu-${engine}-reload-${protocol}.bin`
      const source = await randomFile(SIZE, name)
      throttleAll(rig, 4 * MiB)
      const page = await open(browser, protocol)
      try {
        await page.setInputFiles('.vcu-dropzone input[type=file]', source.path)
        await untilProgress(page, 40)
        // The server holds part of it (S3 may hold no whole 5 MiB part yet: not waited for).
        if (protocol !== 's3')
          await expect
            .poll(
              async () => {
                const [saved] = await records(page)
                return saved?.remote ? heldOnServer(rig, protocol, saved.remote) : 0
              },
              { timeout: 60_000, interval: 200 },
            )
            .toBeGreaterThan(0)
        await page.reload()
        throttleAll(rig, 0)
        await bannerFor(page, name)
        const [saved] = await records(page)
        expect(saved.remote).toBeDefined()

        // What the banner says was sent is what the server holds, not the record's count
        // (which a one-request upload from byte 0 only updates when the request ends).
        // A request cut by the reload may still be landing on the server (WebKit's network
        // process sends what it had buffered once the throttle is off, at times after a pause
        // of a second or more): have the banner ask again until the server held the same
        // before and after its answer, and the banner says that.
        let held = -1
        let listed: { name: string; bytes: number } | undefined
        await expect
          .poll(
            async () => {
              const before = await heldOnServer(rig, protocol, saved.remote)
              await page.evaluate(() => window.vcuResume.refreshPending())
              ;[listed] = await page.evaluate(() => window.vcuResume.pending())
              held = await heldOnServer(rig, protocol, saved.remote)
              return before === held && listed?.bytes === held
            },
            { timeout: 30_000, interval: 500 },
          )
          .toBe(true)
        expect(listed!.name).toBe(name)
        expect(listed!.bytes).toBe(held)
        if (protocol !== 's3') expect(held).toBeGreaterThan(0)
        // No File System Access: no Resume button, and the banner says why.
        const banner = await page.evaluate(() => ({
          resume: document.querySelectorAll('.vcu-resume [data-action=resume]').length,
          reselect: document.querySelectorAll('.vcu-resume [data-action=reselect]').length,
          why: document.querySelector('.vcu-resume [data-state=no-file-access]')?.textContent,
        }))
        expect(banner).toEqual({
          resume: 0,
          reselect: 1,
          why: expect.stringContaining(en.ui.pendingNoFileAccess) as unknown as string,
        })

        const before = bodyBytes(rig)
        await reselectAndFinish(page, source.path)
        expect(await storedMd5s(rig, protocol)).toContain(source.md5)
        // Re-sent: at most what the server did not hold, plus one part per lane cut mid-way.
        expect(bodyBytes(rig) - before).toBeLessThanOrEqual(SIZE - held + 2 * chunkOf(protocol))
      } finally {
        throttleAll(rig, 0)
        await page.close()
      }
    })
  })

  if (ENGINE_FEATURES[engine].restart) {
    it('browser restart on the kept profile: the banner lists the upload; Reselect resumes it', async () => {
      const name = `vcu-${engine}-restart.bin`
      const source = await randomFile(SIZE, name)
      const profileDir = mkdtempSync(join(tmpdir(), `vcu-${engine}-kept-`))
      let session = await launchEngine(engine, { profileDir })
      try {
        throttleAll(rig, 4 * MiB)
        let page = await open(session, 'http')
        await page.setInputFiles('.vcu-dropzone input[type=file]', source.path)
        await untilProgress(page, 30)
        await page.waitForFunction(
          async () => (await window.vcuResume.records()).length === 1,
          undefined,
          { timeout: 30_000 },
        )
        await session.close() // the whole browser goes
        throttleAll(rig, 0)

        session = await launchEngine(engine, { profileDir })
        page = await open(session, 'http')
        await bannerFor(page, name)
        await reselectAndFinish(page, source.path)
        expect(await storedMd5s(rig, 'http')).toContain(source.md5)
      } finally {
        throttleAll(rig, 0)
        await session.close()
        rmSync(profileDir, { recursive: true, force: true })
      }
    })
  }
})
