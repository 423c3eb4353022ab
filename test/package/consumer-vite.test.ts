/**
 * test/consumers/vite-app: a Vite 8 vue-ts app (strict, skipLibCheck off, pinia through
 * `vue-chunked-upload/pinia`) with the packed tarball installed. Type-checks, builds, serves
 * its production build and uploads through the components in Chromium.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { randomFile } from '../browser/harness'
import { consumerRig } from './fixture'
import { serveStatic } from './static-server'
import { bin, ROOT, sh } from './tarball'
import { uploadThroughApp } from './upload-in-chromium'
import { MiB } from '../fakes/files'

const APP = join(ROOT, 'test/consumers/vite-app')

describe('a Vite 8 vue-ts app using the packed package', () => {
  const rig = consumerRig(APP)

  it('type-checks with strict and skipLibCheck: false', () => {
    expect(sh(APP, bin(APP, 'vue-tsc'), ['--noEmit', '--pretty', 'false'])).toBe('')
  })

  it('builds, with the hashing worker emitted as its own file', async () => {
    const out = sh(APP, bin(APP, 'vite'), ['build'])
    expect(out).not.toMatch(/warn|error/i)
    expect(out).toMatch(/assets\/md5\.worker-[\w-]+\.js/)
  })

  for (const md5 of ['spark', 'wasm'] as const) {
    it(`uploads through <UploadDropzone> with md5: '${md5}', hashed in a Worker`, async () => {
      const { httpUrl, storeRoot } = await rig.referenceServer()
      const app = (rig.app ??= await serveStatic(join(APP, 'dist')))
      const source = await randomFile(24 * MiB, `vite-app-${md5}.bin`)
      const endpoint = encodeURIComponent(httpUrl)
      const run = await uploadThroughApp(
        rig.chromium,
        `${app.url}/?endpoint=${endpoint}&md5=${md5}`,
        source.path,
        storeRoot,
      )
      expect(run.pageMd5).toBe(source.md5)
      expect(run.storedMd5).toEqual([source.md5])
      // The bundler-built worker ran the hash: no fallback to the main thread, and with
      // 'wasm' no wasm-unavailable fallback to spark-md5 either.
      expect(run.workers.some((url) => /\/assets\/md5\.worker-[\w-]+\.js$/.test(url))).toBe(true)
      expect(run.warnings).toBe('')
      expect(run.console).toEqual([])
    })
  }
})
