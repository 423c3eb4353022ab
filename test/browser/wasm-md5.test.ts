import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { callPage, openWithFile, randomFile } from './harness'
import { browserRig, refuseWasm, uploadHashed, type BrowserRig } from './rig'
import { MiB } from '../fakes/files'

/** URLs the page and its workers fetched whose path names hash-wasm. */
function hashWasmRequests(page: Page): string[] {
  const seen: string[] = []
  page.context().on('request', (request) => {
    if (/hash-wasm/.test(request.url())) seen.push(request.url())
  })
  return seen
}

describe('WebAssembly MD5 (hash-wasm, the default in the Worker) in real Chromium', () => {
  let { chromium, pages, server } = {} as BrowserRig
  browserRig((rig) => ({ chromium, pages, server } = rig), { server: () => ({}) })

  it('hashes a disk-backed file in the Worker with WebAssembly, to the same digests as spark-md5', async () => {
    // Not a multiple of the 4 MiB slice nor of MD5's 64-byte block.
    const source = await randomFile(48 * MiB + 12_345)
    const page = await chromium.newPage()
    const loaded = hashWasmRequests(page)
    await openWithFile(page, pages.url, source.path)
    const workers: string[] = []
    page.on('worker', (worker) => workers.push(worker.url()))
    const wasm = await callPage(page, 'hashFile', { md5: 'wasm' })
    expect(wasm.hex).toBe(source.md5)
    expect(wasm.warnings).toEqual([])
    // The wasm path was really taken: hash-wasm was fetched, by the hashing worker.
    expect(loaded.length).toBeGreaterThan(0)
    expect(workers.some((url) => /md5\.worker/.test(url))).toBe(true)
    const spark = await callPage(page, 'hashFile', { md5: 'spark' })
    expect(spark.hex).toBe(source.md5)
    expect(spark.sample).toBe(wasm.sample)
    await page.close()
  })

  it('hashes with WebAssembly in the Worker by default, spark-md5 only on request', async () => {
    const source = await randomFile(3 * MiB + 1)
    const page = await chromium.newPage()
    const loaded = hashWasmRequests(page)
    await openWithFile(page, pages.url, source.path)
    const byDefault = await callPage(page, 'hashFile', {})
    expect(byDefault.hex).toBe(source.md5)
    expect(byDefault.warnings).toEqual([])
    expect(loaded.length).toBeGreaterThan(0)
    // A fresh page: md5 'spark' never fetches hash-wasm.
    const sparkPage = await chromium.newPage()
    const sparkLoaded = hashWasmRequests(sparkPage)
    await openWithFile(sparkPage, pages.url, source.path)
    const spark = await callPage(sparkPage, 'hashFile', { md5: 'spark' })
    expect(spark.hex).toBe(source.md5)
    expect(sparkLoaded).toEqual([])
    await Promise.all([page.close(), sparkPage.close()])
  })

  it('gives the MD5 of nothing for an empty file, in the worker and inline', async () => {
    const source = await randomFile(0, 'vcu-empty.bin')
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    for (const inline of [false, true]) {
      const run = await callPage(page, 'hashFile', { md5: 'wasm', inline })
      expect(run.hex).toBe('d41d8cd98f00b204e9800998ecf8427e')
      expect(run.sample).toBe(run.hex)
      expect(run.warnings).toEqual([])
    }
    await page.close()
  })

  it("falls back to spark-md5 with a wasm-unavailable warning under a CSP without 'wasm-unsafe-eval'", async () => {
    const source = await randomFile(5 * MiB + 3)
    const page = await chromium.newPage()
    // The hashing worker's own response carries the policy, as a strict site would send it.
    await refuseWasm(page)
    await openWithFile(page, pages.url, source.path)
    const run = await callPage(page, 'hashFile', { md5: 'wasm' })
    expect(run.hex).toBe(source.md5)
    expect(run.warnings).toEqual(['wasm-unavailable'])
    await page.close()
  })

  it("uploads with the default options under a CSP without 'wasm-unsafe-eval': spark-md5, one wasm-unavailable warning", async () => {
    const source = await randomFile(6 * MiB + 11)
    const page = await chromium.newPage()
    await refuseWasm(page)
    await openWithFile(page, pages.url, source.path)
    // The Worker's spark-md5 digest, checked by the server against the bytes it stored.
    const run = await uploadHashed(page, server.httpUrl, source.md5)
    expect(run.warnings.map((warning) => warning.code)).toEqual(['wasm-unavailable'])
    await page.close()
  })
})
