import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { playgroundRig } from './playground-session'
import { md5OfFile, randomFile } from './harness'
import { MiB } from '../fakes/files'

/**
 * The README's promise, end to end: in the playground, drop a file, refresh the page in
 * the middle of the upload, drop the same file again, and it resumes from what the server
 * kept (IndexedDB record + status query), re-sending at most one chunk.
 */
describe('playground: refresh mid-upload and resume', () => {
  const rig = playgroundRig()

  it('resumes after a reload, re-sending at most one chunk', async () => {
    const { session } = rig
    const source = await randomFile(96 * MiB, 'vcu-resume-96m.bin')
    const page = await session.chromium.newPage()
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    // Slow the upload down (≈ 24 MiB/s) so the reload lands in the middle of it.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 5,
      downloadThroughput: -1,
      uploadThroughput: 24 * MiB,
    })
    await page.goto(session.url)
    await page.setInputFiles('.vcu-dropzone input[type=file]', source.path)
    const progress = () => page.getAttribute('[role=progressbar]', 'aria-valuenow').then(Number)
    await expect.poll(progress, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(40)
    const before = await progress()
    expect(before).toBeLessThan(100)

    await page.reload()
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    })
    // The resume banner offers the unfinished upload from before the reload.
    await page.waitForSelector('.vcu-resume >> text=vcu-resume-96m.bin', { timeout: 30_000 })
    const puts: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'PUT') puts.push(new URL(request.url()).pathname)
    })
    await page.setInputFiles('.vcu-dropzone input[type=file]', source.path)
    await page.waitForFunction(() => document.body.innerText.includes(' · done'), null, {
      timeout: 60_000,
    })
    expect(await page.innerText('.vcu-progress')).toContain('resumed')
    // After the reload: only chunk PUTs (no new stream from byte 0), and their bytes are no
    // more than what was left at the reload plus one 8 MiB chunk cut mid-way.
    const size = 96 * MiB
    const chunkSize = 8 * MiB
    expect(puts.length).toBeGreaterThan(0)
    expect(puts.every((path) => /\/chunks\/\d+$/.test(path))).toBe(true)
    const sent = puts
      .map((path) => Number(path.split('/').pop()))
      .reduce((sum, index) => sum + Math.min(chunkSize, size - index * chunkSize), 0)
    const leftAtReload = ((100 - before) / 100) * size
    expect(sent).toBeLessThanOrEqual(leftAtReload + chunkSize)
    const stored = await md5OfFile(join(session.root, 'files', (await storedId(session.root))!))
    expect(stored).toBe(source.md5)
    await page.close()
  })
})

async function storedId(root: string): Promise<string | undefined> {
  const { readdir } = await import('node:fs/promises')
  return (await readdir(join(root, 'files'))).find((name) => !name.endsWith('.json'))
}
