import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as main from '../../src/index'
import * as core from '../../src/entries/core'
import * as http from '../../src/entries/http'
import * as s3 from '../../src/entries/s3'
import * as tus from '../../src/entries/tus'
import * as hashing from '../../src/entries/hashing'
import * as transport from '../../src/entries/transport'
import * as persistence from '../../src/entries/persistence'
import * as vue from '../../src/entries/vue'
import * as tabs from '../../src/entries/tabs'
import * as protocolKit from '../../src/entries/protocol-kit'
import * as pinia from '../../src/entries/pinia'
import pkg from '../../package.json'

// Changing what an entry exports is a public API change: update these lists on purpose.
describe('public surface', () => {
  it('main entry', () => {
    expect(Object.keys(main).sort()).toMatchInlineSnapshot(`
      [
        "ResumeBanner",
        "UploadDropzone",
        "UploadError",
        "UploadPlugin",
        "UploadProgress",
        "createDefaultUploader",
        "createHttpProtocol",
        "createS3Protocol",
        "createTusProtocol",
        "createUploadPlugin",
        "en",
        "formatBytes",
        "formatError",
        "hasFilePicker",
        "isUploadError",
        "pickFiles",
        "provideChunkedUpload",
        "readHandle",
        "takeDroppedFiles",
        "takeDroppedHandles",
        "useChunkedUpload",
        "usePendingUploads",
        "useUploadMessages",
        "zhCN",
      ]
    `)
  })
  it('the root is what an app needs (about 25 names) and a superset of /vue', () => {
    expect(Object.keys(main).length).toBeLessThanOrEqual(25)
    expect(Object.keys(vue).filter((name) => !(name in main))).toEqual([])
  })
  it('every subpath in package.json is a lib entry of the build (which the test alias follows)', () => {
    const config = readFileSync('vite.config.ts', 'utf8')
    for (const [path, target] of Object.entries(pkg.exports)) {
      if (path === '.' || /\.(js|css|json)$/.test(path)) continue
      const name = path.slice(2)
      const key = /^\w+$/.test(name) ? name : `'${name}'`
      expect(config, path).toContain(`  ${key}: src('entries/${name}.ts'),`)
      expect(target).toEqual({
        types: `./dist/types/entries/${name}.d.ts`,
        import: `./dist/${name}.js`,
      })
    }
    expect(config).toContain("{ find: SUBPATH_ALIAS, replacement: src('entries/$1.ts') }")
  })
  it('subpath entries', () => {
    expect({
      core: Object.keys(core).sort(),
      http: Object.keys(http).sort(),
      s3: Object.keys(s3).sort(),
      tus: Object.keys(tus).sort(),
      hashing: Object.keys(hashing).sort(),
      transport: Object.keys(transport).sort(),
      persistence: Object.keys(persistence).sort(),
      vue: Object.keys(vue).sort(),
      pinia: Object.keys(pinia).sort(),
      tabs: Object.keys(tabs).sort(),
      'protocol-kit': Object.keys(protocolKit).sort(),
    }).toMatchInlineSnapshot(`
      {
        "core": [
          "RESUME_RECORD_VERSION",
          "UploadError",
          "createUploader",
          "isUploadError",
        ],
        "hashing": [
          "DEFAULT_INLINE_SLICE_SIZE",
          "DEFAULT_SAMPLE_SIZE",
          "DEFAULT_SLICE_SIZE",
          "DEFAULT_WORKER_IDLE_MS",
          "createHasher",
          "createInlineHasher",
          "createWorkerHasher",
          "md5OfBlob",
          "sampleMd5",
        ],
        "http": [
          "createHttpProtocol",
          "httpCapabilities",
        ],
        "persistence": [
          "createIdbStore",
          "createMemoryStore",
          "isResumeRecord",
        ],
        "pinia": [
          "toUploadRecord",
          "useUploadStore",
        ],
        "protocol-kit": [
          "GiB",
          "KiB",
          "MiB",
          "UploadError",
          "abortError",
          "httpError",
          "isObject",
          "isRetryableStatus",
          "isUploadError",
          "isValidPlan",
          "parseJsonObject",
          "parseRetryAfter",
          "partAt",
          "partLength",
          "planChunks",
          "serverErrorCode",
          "throwIfAborted",
          "toUploadError",
        ],
        "s3": [
          "ETAG_UNREADABLE",
          "createS3Protocol",
          "isEtagUnreadable",
          "multipartEtag",
          "s3Capabilities",
        ],
        "tabs": [
          "createTabChannel",
          "createWebLocks",
        ],
        "transport": [
          "createAxiosTransport",
        ],
        "tus": [
          "createTusProtocol",
          "tusCapabilities",
        ],
        "vue": [
          "ResumeBanner",
          "UploadDropzone",
          "UploadError",
          "UploadPlugin",
          "UploadProgress",
          "createUploadPlugin",
          "formatBytes",
          "formatError",
          "hasFilePicker",
          "isUploadError",
          "pickFiles",
          "provideChunkedUpload",
          "readHandle",
          "takeDroppedFiles",
          "takeDroppedHandles",
          "useChunkedUpload",
          "usePendingUploads",
          "useUploadMessages",
        ],
      }
    `)
  })
  it('package.json maps every subpath to a built file and its types', () => {
    for (const [path, target] of Object.entries(pkg.exports)) {
      if (path === './package.json') continue
      if (path === './style.css' || path === './md5.worker.js') {
        expect(target).toBe(`./dist/${path.slice(2)}`)
        continue
      }
      expect(target).toMatchObject({
        types: expect.stringMatching(/\.d\.ts$/),
        import: expect.stringMatching(/\.js$/),
      })
    }
    expect(Object.keys(pkg.exports).sort()).toEqual(
      [
        '.',
        './core',
        './hashing',
        './http',
        './package.json',
        './md5.worker.js',
        './persistence',
        './pinia',
        './protocol-kit',
        './tabs',
        './s3',
        './style.css',
        './transport',
        './tus',
        './vue',
      ].sort(),
    )
    expect(pkg.peerDependencies).toMatchObject({
      vue: expect.any(String),
      pinia: expect.any(String),
    })
  })
})
