/**
 * A picked file changed or deleted on disk while it uploads, in real Chromium: reads of the
 * File fail (NotReadableError / NotFoundError), the upload fails with a typed error instead
 * of retrying for ever, and the chunks the server acknowledged stay there.
 */
import { open, readdir, readFile, rm, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { callPage, openWithFile, randomFile } from './harness'
import { browserRig, type BrowserRig } from './rig'
import { MiB } from '../fakes/files'

/** Chunks the server holds for the one upload not in `earlier`, read from its meta on disk. */
async function receivedChunks(root: string, earlier: ReadonlySet<string>): Promise<number> {
  for (const name of await readdir(join(root, 'uploads'))) {
    if (!name.endsWith('.json') || earlier.has(name)) continue
    const meta = JSON.parse(await readFile(join(root, 'uploads', name), 'utf8').catch(() => '{}'))
    const ranges = (meta.received ?? []) as [number, number][]
    return ranges.reduce((sum, [from, to]) => sum + to - from, 0)
  }
  return 0
}

describe('a file changed on disk during the upload, in real Chromium', () => {
  let { chromium, pages, server, root } = {} as BrowserRig
  browserRig((rig) => ({ chromium, pages, server, root } = rig), { server: () => ({}) })

  for (const [what, change, code] of [
    [
      'modified',
      async (path: string) => {
        const handle = await open(path, 'r+')
        await handle.write(Buffer.from('changed'), 0, 7, 1000)
        await handle.close()
        const later = new Date(Date.now() + 60_000)
        await utimes(path, later, later)
      },
      'file-changed',
    ],
    ['deleted', (path: string) => rm(path), 'file-unreadable'],
  ] as const) {
    it(`fails with ${code} when the file is ${what} mid-upload, keeping the chunks already sent`, async () => {
      const source = await randomFile(48 * MiB, `vcu-${what}-during-upload.bin`)
      const page = await chromium.newPage()
      try {
        await openWithFile(page, pages.url, source.path)
        const earlier = new Set(await readdir(join(root, 'uploads')))
        const running = callPage(page, 'upload', {
          endpoint: server.httpUrl,
          hashing: false,
          stream: false,
          chunkSize: 256 * 1024,
          concurrency: 1,
        })
        for (let i = 0; i < 2000 && (await receivedChunks(root, earlier)) < 2; i++) {
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
        await change(source.path)
        const run = await running
        expect(run.upload.status.state).toBe('error')
        expect(run.error?.code).toBe(code)
        const held = await receivedChunks(root, earlier)
        expect(held).toBeGreaterThanOrEqual(2)
        expect(held).toBeLessThan(192) // it stopped: not every chunk arrived
      } finally {
        await page.close()
        await rm(source.path, { force: true })
      }
    })
  }
})
