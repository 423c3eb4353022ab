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
import * as pinia from '../../src/entries/pinia'
import pkg from '../../package.json'

// Changing what an entry exports is a public API change: update these lists on purpose.
describe('public surface', () => {
  it('main entry', () => {
    expect(Object.keys(main).sort()).toMatchInlineSnapshot(`
      [
        "CANCEL_REASON",
        "ETAG_UNREADABLE",
        "GiB",
        "KiB",
        "MiB",
        "OFFLINE_REASON",
        "PAUSE_REASON",
        "RESUME_RECORD_VERSION",
        "ResumeBanner",
        "UploadContextKey",
        "UploadDropzone",
        "UploadError",
        "UploadPlugin",
        "UploadProgress",
        "abortError",
        "ackRequest",
        "checkFile",
        "createAxiosTransport",
        "createByteCounts",
        "createDefaultUploader",
        "createEmitter",
        "createHasher",
        "createHttpProtocol",
        "createIdbStore",
        "createInlineHasher",
        "createMemoryStore",
        "createS3Protocol",
        "createScheduler",
        "createTabChannel",
        "createTusProtocol",
        "createUploadContext",
        "createUploadPlugin",
        "createUploader",
        "createWebLocks",
        "createWorkerHasher",
        "defaultRetryPolicy",
        "deriveProgress",
        "dropRequest",
        "en",
        "formatBytes",
        "formatDuration",
        "formatError",
        "formatMessage",
        "httpCapabilities",
        "httpError",
        "isEtagUnreadable",
        "isObject",
        "isResumeRecord",
        "isRetryableStatus",
        "isUploadError",
        "isValidPlan",
        "matchesAccept",
        "multipartEtag",
        "normalizeAccept",
        "parseJsonObject",
        "parseRetryAfter",
        "partAt",
        "partLength",
        "planChunks",
        "provideChunkedUpload",
        "rawBytes",
        "reportLoaded",
        "retryDelay",
        "s3Capabilities",
        "serverErrorCode",
        "shouldRetry",
        "shownBytes",
        "sleep",
        "systemClock",
        "throwIfAborted",
        "toUploadError",
        "toUploadRecord",
        "tusCapabilities",
        "updateRate",
        "useChunkedUpload",
        "viewOf",
        "withStallGuard",
        "zhCN",
      ]
    `)
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
    }).toMatchInlineSnapshot(`
      {
        "core": [
          "CANCEL_REASON",
          "GiB",
          "KiB",
          "MiB",
          "OFFLINE_REASON",
          "PAUSE_REASON",
          "RESUME_RECORD_VERSION",
          "UploadError",
          "abortError",
          "ackRequest",
          "checkFile",
          "createByteCounts",
          "createEmitter",
          "createScheduler",
          "createUploader",
          "defaultRetryPolicy",
          "deriveProgress",
          "dropRequest",
          "httpError",
          "isObject",
          "isRetryableStatus",
          "isUploadError",
          "isValidPlan",
          "matchesAccept",
          "normalizeAccept",
          "parseJsonObject",
          "parseRetryAfter",
          "partAt",
          "partLength",
          "planChunks",
          "rawBytes",
          "reportLoaded",
          "retryDelay",
          "serverErrorCode",
          "shouldRetry",
          "shownBytes",
          "sleep",
          "systemClock",
          "throwIfAborted",
          "toUploadError",
          "updateRate",
          "withStallGuard",
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
        "s3": [
          "ETAG_UNREADABLE",
          "createS3Protocol",
          "isEtagUnreadable",
          "multipartEtag",
          "s3Capabilities",
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
          "UploadContextKey",
          "UploadDropzone",
          "UploadPlugin",
          "UploadProgress",
          "createDefaultUploader",
          "createUploadContext",
          "createUploadPlugin",
          "formatBytes",
          "formatDuration",
          "formatError",
          "formatMessage",
          "hasFilePicker",
          "isFileHandle",
          "pickFiles",
          "provideChunkedUpload",
          "readHandle",
          "takeDroppedHandles",
          "toUploadRecord",
          "useChunkedUpload",
          "viewOf",
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
