/**
 * The same uploads in Chromium, Firefox ESR and WebKitGTK: each protocol against its real
 * server, byte-identical; a file deleted mid-upload; the WASM MD5 and its fallback under a
 * strict CSP; and what the library does where a browser lacks a feature (no Worker, no
 * Web Locks or BroadcastChannel, no `navigator.storage.estimate` with a full disk).
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SoakRig } from '../soak/rig'
import { PROTOCOLS, startRig, storedMd5s } from './engine-backends'
import { ENGINES, launchEngine, type EnginePage, type EngineSession } from './engines'
import { callPage, openWithFile, randomFile, startPageServer } from './harness'
import { en } from '../../src/locales/en'
import { zhCN } from '../../src/locales/zh-CN'
import { MiB } from '../fakes/files'
import { folderBytes } from './pages/folder-bytes'

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex')

type PageServer = { url: string; close(): Promise<void> }

describe.each(ENGINES)('uploads in %s', (engine) => {
  let browser: EngineSession
  let pages: PageServer
  let strictPages: PageServer
  let rig: SoakRig

  beforeAll(async () => {
    ;[browser, pages, strictPages, rig] = await Promise.all([
      launchEngine(engine),
      startPageServer(),
      // As a strict site would send it: no 'wasm-unsafe-eval' for the hashing worker.
      startPageServer({
        headers: {
          path: /md5\.worker/,
          values: { 'content-security-policy': "script-src 'self'" },
        },
      }),
      startRig(),
    ])
  }, 120_000)

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), pages?.close(), strictPages?.close()])
    await rig?.close()
  })

  async function withPage<T>(run: (page: EnginePage) => Promise<T>): Promise<T> {
    const page = await browser.newPage()
    try {
      return await run(page)
    } finally {
      await page.close()
    }
  }

  for (const protocol of PROTOCOLS) {
    it(`uploads 24 MiB over ${protocol}, hashed in the Worker, stored byte-identical`, async () => {
      const source = await randomFile(24 * MiB + 7, `vcu-${engine}-${protocol}.bin`)
      await withPage(async (page) => {
        await openWithFile(page, pages.url, source.path)
        const run = await callPage(page, 'upload', {
          endpoint: rig.endpoints[protocol],
          protocol,
          hashing: true,
          chunkSize: protocol === 's3' ? 5 * MiB : 4 * MiB,
        })
        expect(run.error).toBeUndefined()
        expect(run.upload.status.state).toBe('done')
        expect(run.upload.bytesUploaded).toBe(24 * MiB + 7)
        // The Worker started: no fallback warning (and the HTTP route verified its MD5).
        expect(run.warnings).toEqual([])
        if (protocol === 'http') expect(run.hash).toBe(source.md5)
        expect(await storedMd5s(rig, protocol)).toContain(source.md5)
      })
    })
  }

  for (const protocol of PROTOCOLS) {
    it(`uploads a folder of small files over ${protocol}, each in its one request, stored byte-identical`, async () => {
      // Every file under the threshold: S3 posts each as a FormData form, HTTP and tus send
      // each in one request; the engine's own APIs (FormData, Blob, XHR) in this browser.
      const source = await randomFile(300_000, `vcu-${engine}-${protocol}-small.bin`)
      const count = 8
      const size = 60_000
      await withPage(async (page) => {
        await openWithFile(page, pages.url, source.path)
        const { uploads, requests } = await callPage(page, 'uploadFolder', {
          endpoint: rig.endpoints[protocol],
          protocol,
          count,
          size,
        })
        expect(uploads.map((u) => u.status.state)).toEqual(Array(count + 1).fill('done'))
        // One request a file (plus S3's one batch of signatures); multipart would take 3+.
        expect(requests).toBeLessThanOrEqual(count + 2)
        const stored = await storedMd5s(rig, protocol)
        expect(stored).toContain(source.md5)
        for (let i = 0; i < count; i++) expect(stored).toContain(md5(folderBytes(i, size + i)))
      })
    })
  }

  it('without a Worker hashes on the main thread, warning worker-unavailable with its own message', async () => {
    const source = await randomFile(6 * MiB + 1, `vcu-${engine}-no-worker.bin`)
    await withPage(async (page) => {
      await openWithFile(page, pages.url, source.path)
      const run = await callPage(page, 'upload', {
        endpoint: rig.endpoints.http,
        hashing: true,
        without: ['Worker'],
      })
      expect(run.upload.status.state).toBe('done')
      expect(run.hash).toBe(source.md5)
      expect(run.warnings).toEqual([
        {
          code: 'worker-unavailable',
          en: en.errors['worker-unavailable'],
          zhCN: zhCN.errors['worker-unavailable'],
        },
      ])
      // What was shown before: a generic "cannot do this" for an upload that goes on fine.
      expect(run.warnings[0].en).not.toBe(en.errors.unsupported)
      expect(run.warnings[0].zhCN).not.toBe(zhCN.errors.unsupported)
    })
  })

  // WebKit fails every read of a File whose disk file went with NotReadableError, as Chromium
  // does for one that was modified: it cannot tell the two apart, so the user is told the
  // file changed (both messages say to choose it again).
  const deletedCode = engine === 'webkit' ? 'file-changed' : 'file-unreadable'

  it(`fails with ${deletedCode} when the file is deleted mid-upload, keeping the chunks sent`, async () => {
    const source = await randomFile(32 * MiB, `vcu-${engine}-deleted.bin`)
    const uploads = join(rig.root, 'http', 'uploads')
    const earlier = new Set(await readdir(uploads).catch(() => [] as string[]))
    /** Chunks the server holds for the upload this test started. */
    const received = async () => {
      for (const name of await readdir(uploads).catch(() => [] as string[])) {
        if (!name.endsWith('.json') || earlier.has(name)) continue
        const meta = JSON.parse(await readFile(join(uploads, name), 'utf8').catch(() => '{}'))
        return ((meta.received ?? []) as [number, number][]).reduce((n, [a, b]) => n + b - a, 0)
      }
      return 0
    }
    await withPage(async (page) => {
      await openWithFile(page, pages.url, source.path)
      const running = callPage(page, 'upload', {
        endpoint: rig.endpoints.http,
        hashing: false,
        stream: false,
        chunkSize: 256 * 1024,
        concurrency: 1,
      })
      for (let i = 0; i < 2000 && (await received()) < 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 5))
      await rm(source.path)
      const run = await running
      expect(run.upload.status.state).toBe('error')
      expect(run.error?.code).toBe(deletedCode)
      const held = await received()
      expect(held).toBeGreaterThanOrEqual(2)
      expect(held).toBeLessThan(128)
    })
  })

  it("hashes with WebAssembly (md5: 'wasm') to the same digest as spark-md5", async () => {
    const source = await randomFile(9 * MiB + 12_345, `vcu-${engine}-wasm.bin`)
    await withPage(async (page) => {
      await openWithFile(page, pages.url, source.path)
      const wasm = await callPage(page, 'hashFile', { md5: 'wasm' })
      expect(wasm.hex).toBe(source.md5)
      expect(wasm.warnings).toEqual([])
      const spark = await callPage(page, 'hashFile', { md5: 'spark' })
      expect(spark.hex).toBe(source.md5)
      expect(spark.sample).toBe(wasm.sample)
    })
  })

  it("falls back to spark-md5 with a wasm-unavailable warning under a CSP without 'wasm-unsafe-eval'", async () => {
    const source = await randomFile(5 * MiB + 3, `vcu-${engine}-csp.bin`)
    await withPage(async (page) => {
      await openWithFile(page, strictPages.url, source.path)
      const run = await callPage(page, 'hashFile', { md5: 'wasm' })
      expect(run.hex).toBe(source.md5)
      expect(run.warnings).toEqual(['wasm-unavailable'])
    })
  })

  it('without Web Locks and BroadcastChannel warns cross-tab-unavailable once and uploads', async () => {
    const source = await randomFile(3 * MiB + 5, `vcu-${engine}-no-locks.bin`)
    await withPage(async (page) => {
      await openWithFile(page, pages.url, source.path)
      const run = await callPage(page, 'upload', {
        endpoint: rig.endpoints.http,
        hashing: false,
        without: ['locks', 'BroadcastChannel'],
        // Records and locks belong to the multipart path: small files keep none.
        smallFileThreshold: 0,
      })
      expect(run.upload.status.state).toBe('done')
      expect(run.warnings.map((w) => w.code)).toEqual(['cross-tab-unavailable'])
      expect(run.warnings[0].en).toBe(en.errors['cross-tab-unavailable'])
      expect(await storedMd5s(rig, 'http')).toContain(source.md5)
    })
  })

  it('without BroadcastChannel alone uploads with no warning (the other-tabs list stays empty)', async () => {
    const source = await randomFile(3 * MiB + 6, `vcu-${engine}-no-channel.bin`)
    await withPage(async (page) => {
      await openWithFile(page, pages.url, source.path)
      const run = await callPage(page, 'upload', {
        endpoint: rig.endpoints.http,
        hashing: false,
        without: ['BroadcastChannel'],
        // Records and locks belong to the multipart path: small files keep none.
        smallFileThreshold: 0,
      })
      expect(run.upload.status.state).toBe('done')
      expect(run.warnings).toEqual([])
      expect(await storedMd5s(rig, 'http')).toContain(source.md5)
    })
  })

  it('without navigator.storage.estimate a full IndexedDB is still the typed storage-full warning', async () => {
    const source = await randomFile(3 * MiB + 7, `vcu-${engine}-full.bin`)
    await withPage(async (page) => {
      await openWithFile(page, pages.url, source.path)
      const run = await callPage(page, 'upload', {
        endpoint: rig.endpoints.http,
        hashing: false,
        without: ['estimate'],
        // Records and locks belong to the multipart path: small files keep none.
        smallFileThreshold: 0,
        storageFull: true,
      })
      expect(run.upload.status.state).toBe('done')
      expect(run.warnings.length).toBeGreaterThan(0)
      expect(new Set(run.warnings.map((w) => w.code))).toEqual(new Set(['storage-full']))
      expect(run.warnings[0].en).toBe(en.errors['storage-full'])
      expect(await storedMd5s(rig, 'http')).toContain(source.md5)
    })
  })
})
