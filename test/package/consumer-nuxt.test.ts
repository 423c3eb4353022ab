/**
 * test/consumers/nuxt-app: a Nuxt 4 app with SSR on and no pinia, with the packed tarball
 * installed and the set-up of docs/nuxt.md. Type-checks, builds, renders the components on
 * the server, hydrates without a warning and uploads through them in Chromium.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { randomFile } from '../browser/harness'
import { consumerRig } from './fixture'
import { startNodeApp } from './node-app'
import { bin, ROOT, sh } from './tarball'
import { uploadThroughApp } from './upload-in-chromium'
import { MiB } from '../fakes/files'

const APP = join(ROOT, 'test/consumers/nuxt-app')
const NUXT_ENV = { NUXT_TELEMETRY_DISABLED: '1', CI: '1' }

describe('a Nuxt 4 app (SSR, no pinia) using the packed package', () => {
  const rig = consumerRig(APP)

  it('type-checks (nuxt typecheck, strict)', () => {
    sh(APP, bin(APP, 'nuxt'), ['typecheck'], NUXT_ENV)
  })

  it('builds for production, and its server renders the components', async () => {
    sh(APP, bin(APP, 'nuxt'), ['build'], NUXT_ENV)
    rig.app = await startNodeApp(join(APP, '.output/server/index.mjs'), APP)
    const response = await fetch(rig.app.url)
    expect(response.status).toBe(200)
    const html = await response.text()
    // Server-rendered markup of the three components (no window or IndexedDB needed).
    expect(html).toMatch(/class="[^"]*vcu-dropzone/)
    expect(html).toMatch(/class="[^"]*vcu-progress/)
    expect(html).toContain('id="records"')
  })

  it('hydrates without a warning and uploads with md5: wasm in a Worker', async () => {
    const app = rig.app
    if (!app) throw new Error('the previous test did not start the app')
    const { httpUrl, storeRoot } = await rig.referenceServer()
    const source = await randomFile(24 * MiB, 'nuxt-app.bin')
    const endpoint = encodeURIComponent(httpUrl)
    const run = await uploadThroughApp(
      rig.chromium,
      `${app.url}/?endpoint=${endpoint}&md5=wasm`,
      source.path,
      storeRoot,
    )
    expect(run.pageMd5).toBe(source.md5)
    expect(run.storedMd5).toEqual([source.md5])
    expect(run.workers.some((url) => url.startsWith(`${app.url}/_nuxt/`))).toBe(true)
    expect(run.warnings).toBe('')
    // Hydration mismatches are logged as console errors or warnings: none at all.
    expect(run.console).toEqual([])
  })
})
