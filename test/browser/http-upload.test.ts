import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { callPage, md5OfFile, openWithFile, randomFile } from './harness'
import { browserRig, uploadHashed, type BrowserRig } from './rig'
import { MiB } from '../fakes/files'

describe('HTTP chunk protocol in real Chromium', () => {
  let { chromium, pages, server, root } = {} as BrowserRig
  browserRig((rig) => ({ chromium, pages, server, root } = rig), { server: () => ({}) })

  it('hashes a disk-backed 256 MiB file in the Worker and stores it byte-identical', async () => {
    const source = await randomFile(256 * MiB)
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    // The Worker's MD5, the server's MD5 and the file on disk all agree with the source.
    const run = await uploadHashed(page, server.httpUrl, source.md5)
    const stored = join(root, 'files', String(run.result?.data?.id))
    expect(await md5OfFile(stored)).toBe(source.md5)
    expect(run.upload.bytesUploaded).toBe(256 * MiB)
    // Few requests: the whole File went as one stream (plus create, complete, preflights).
    expect(run.requests).toBeLessThan(10)
    await page.close()
  })

  it('hashes in a Worker, not on the main thread', async () => {
    const source = await randomFile(64 * MiB)
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    const workers: string[] = []
    page.on('worker', (worker) => workers.push(worker.url()))
    const run = await callPage(page, 'upload', { endpoint: server.httpUrl, hashing: true })
    expect(run.hash).toBe(source.md5)
    expect(workers.some((url) => url.includes('md5.worker'))).toBe(true)
    await page.close()
  })
})
