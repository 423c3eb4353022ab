import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { playgroundRig } from './playground-session'

const SIZE = 6 * 1024 * 1024 + 123

/** The bytes the page builds: a fixed pattern, so Node can compute the expected MD5. */
function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 11)) % 251
  return bytes
}

/**
 * The playground as a person uses it: a file dragged onto <UploadDropzone> (real drag
 * events carrying a DataTransfer in Chromium) uploads to the reference server, the
 * progressbar reaches 100 and the item says done; the stored bytes are the file's.
 */
describe('playground: drag and drop', () => {
  const rig = playgroundRig()

  it('uploads a dropped file to completion', async () => {
    const { session } = rig
    const page = await session.chromium.newPage()
    await page.goto(session.url)
    const zone = page.locator('.vcu-dropzone')
    await zone.waitFor()
    const transfer = await page.evaluateHandle((size) => {
      const bytes = new Uint8Array(size)
      for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 11)) % 251
      const data = new DataTransfer()
      data.items.add(new File([bytes], 'dropped.bin', { type: 'application/octet-stream' }))
      return data
    }, SIZE)
    await zone.dispatchEvent('dragenter', { dataTransfer: transfer })
    await expect.poll(() => zone.getAttribute('data-state')).toBe('dragging')
    await zone.dispatchEvent('dragover', { dataTransfer: transfer })
    await zone.dispatchEvent('drop', { dataTransfer: transfer })

    const item = page.locator('.vcu-progress__item', { hasText: 'dropped.bin' })
    await expect
      .poll(() => item.getAttribute('data-state'), { timeout: 60_000, interval: 100 })
      .toBe('done')
    expect(await item.locator('[role=progressbar]').getAttribute('aria-valuenow')).toBe('100')
    expect(await item.innerText()).toContain(' · done')
    expect(await zone.getAttribute('data-state')).toBe('idle')

    const stored = (await readdir(join(session.root, 'files'))).find(
      (name) => !name.endsWith('.json'),
    )
    const bytes = await readFile(join(session.root, 'files', stored!))
    expect(bytes.length).toBe(SIZE)
    const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')
    expect(md5(bytes)).toBe(md5(pattern(SIZE)))
    await page.close()
  })
})
