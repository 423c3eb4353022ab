/**
 * One upload through a fixture app's UI in Debian's Chromium, to the reference server:
 * picks a file in <UploadDropzone>, waits for the record to be done, and reports what the
 * test checks (the page's MD5, the stored file's MD5, the workers started, the warnings).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { md5OfFile, type BrowserSession } from '../browser/harness'

export interface UploadRun {
  /** The MD5 the app shows for the upload (computed in the browser). */
  readonly pageMd5: string
  /** MD5s of the files the server stored. */
  readonly storedMd5: string[]
  /** URLs of the workers the page started. */
  readonly workers: string[]
  /** Codes of the engine's `warning` events, as the app lists them. */
  readonly warnings: string
  /** Console messages of type warning or error. */
  readonly console: string[]
}

export async function uploadThroughApp(
  chromium: BrowserSession,
  url: string,
  file: string,
  storeRoot: string,
): Promise<UploadRun> {
  const page: Page = await chromium.newPage()
  const workers: string[] = []
  const console: string[] = []
  page.on('worker', (worker) => workers.push(worker.url()))
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') console.push(message.text())
  })
  page.on('pageerror', (error) => console.push(`pageerror: ${error.message}`))
  page.on('response', (response) => {
    if (response.status() >= 400) console.push(`${response.status()} ${response.url()}`)
  })
  try {
    await page.goto(url)
    await page.locator('.vcu-dropzone input[type=file]').setInputFiles(file)
    const done = page.locator('#records li[data-state="done"]')
    await done.waitFor({ timeout: 120_000 })
    const pageMd5 = (await done.getAttribute('data-hash')) ?? ''
    const files = join(storeRoot, 'files')
    // The store keeps each upload's bytes under its id, beside `<id>.json` metadata.
    const stored = readdirSync(files).filter((name) => !name.includes('.'))
    const storedMd5 = await Promise.all(stored.map((name) => md5OfFile(join(files, name))))
    const warnings = (await page.locator('#warnings').textContent())?.trim() ?? ''
    return { pageMd5, storedMd5, workers, warnings, console }
  } finally {
    await page.close()
  }
}
