/**
 * Type tests of the public API, checked by tsc against the packed package (test/package/
 * types.test.ts, under `bundler` and `node16`) and against src by the repo's vue-tsc.
 * `expectTypeOf(x).not.toBeAny()` catches declarations that resolve to nothing.
 */
import { expectTypeOf } from 'expect-type'
import type { App, Component, ComputedRef, Plugin } from 'vue'
import {
  createDefaultUploader,
  createHttpProtocol,
  formatBytes,
  pickFiles,
  provideChunkedUpload,
  ResumeBanner,
  takeDroppedFiles,
  UploadDropzone,
  UploadError,
  UploadPlugin,
  UploadProgress,
  useChunkedUpload,
  usePendingUploads,
  useUploadMessages,
  type DroppedFiles,
  type FileInfo,
  type PendingResumeResult,
  type UseChunkedUploadReturn,
  type UploadProtocol,
  type UploadSnapshot,
  type UploadErrorCode,
  type UploadState,
  type Uploader,
} from 'vue-chunked-upload'
import * as core from 'vue-chunked-upload/core'
import { createUploader, type Restrictions } from 'vue-chunked-upload/core'
import {
  httpError,
  parseRetryAfter,
  planChunks,
  throwIfAborted,
  type ProtocolContext,
} from 'vue-chunked-upload/protocol-kit'
import { createTabChannel, createWebLocks } from 'vue-chunked-upload/tabs'
import { createHttpProtocol as httpFromSubpath } from 'vue-chunked-upload/http'
import { createS3Protocol } from 'vue-chunked-upload/s3'
import { createTusProtocol } from 'vue-chunked-upload/tus'
import { createHasher } from 'vue-chunked-upload/hashing'
import { createAxiosTransport } from 'vue-chunked-upload/transport'
import { createIdbStore, createMemoryStore } from 'vue-chunked-upload/persistence'
import {
  useChunkedUpload as useFromVue,
  UploadPlugin as pluginFromVue,
  pickFiles as pickFromVue,
  takeDroppedFiles as takeFromVue,
} from 'vue-chunked-upload/vue'
import { useUploadStore, type UploadRecord } from 'vue-chunked-upload/pinia'

// The root entry: the engine, a protocol, the composable, the plugin, the components.
expectTypeOf(createUploader).not.toBeAny()
expectTypeOf(createUploader).returns.toEqualTypeOf<Uploader>()
expectTypeOf(createDefaultUploader).returns.toEqualTypeOf<Uploader>()
expectTypeOf(createHttpProtocol).parameter(0).toHaveProperty('endpoint').toEqualTypeOf<string>()
expectTypeOf(createHttpProtocol({ endpoint: '/api' })).toEqualTypeOf<UploadProtocol>()
expectTypeOf(httpFromSubpath).toEqualTypeOf(createHttpProtocol)
expectTypeOf(httpError).not.toBeAny()
expectTypeOf(parseRetryAfter).returns.toEqualTypeOf<number | undefined>()
expectTypeOf(planChunks).not.toBeAny()
expectTypeOf(throwIfAborted).parameter(0).toEqualTypeOf<AbortSignal>()
expectTypeOf<ProtocolContext>().not.toBeAny()
expectTypeOf(createWebLocks).not.toBeAny()
expectTypeOf(createTabChannel).not.toBeAny()
expectTypeOf<UploadSnapshot>().not.toBeAny()
expectTypeOf<UploadSnapshot['status']['state']>().toEqualTypeOf<UploadState>()
expectTypeOf<UploadState>().not.toBeAny()
expectTypeOf<UploadState>().toMatchTypeOf<string>()
expectTypeOf<'no-such-state'>().not.toMatchTypeOf<UploadState>()
expectTypeOf<UploadError>().toHaveProperty('code').toEqualTypeOf<UploadErrorCode>()
expectTypeOf<UploadError>().toHaveProperty('retryable').toEqualTypeOf<boolean>()
expectTypeOf(formatBytes).toEqualTypeOf<(bytes: number) => string>()

const upload = useChunkedUpload()
expectTypeOf(upload).not.toBeAny()
expectTypeOf(upload.progress).toEqualTypeOf<ComputedRef<number>>()
expectTypeOf(upload.uploads).toEqualTypeOf<ComputedRef<readonly UploadSnapshot[]>>()
expectTypeOf(upload.start).toBeFunction()
// @ts-expect-error a member the composable does not have
upload.thisDoesNotExist()
expectTypeOf(useFromVue).toEqualTypeOf(useChunkedUpload)
expectTypeOf(pickFromVue).toEqualTypeOf(pickFiles)
// A drop's files with their folder paths; what could not be read comes back, never thrown.
expectTypeOf(takeDroppedFiles).returns.toEqualTypeOf<Promise<DroppedFiles>>()
expectTypeOf<DroppedFiles['errors']>().toEqualTypeOf<readonly UploadError[]>()
expectTypeOf(takeFromVue).toEqualTypeOf(takeDroppedFiles)
expectTypeOf<FileInfo['relativePath']>().toEqualTypeOf<string | undefined>()
// Hooks return their stop function; restrictions are the engine's.
expectTypeOf(upload.onUploadSuccess(() => {})).toEqualTypeOf<() => void>()
expectTypeOf(upload.restrictions).toEqualTypeOf<ComputedRef<Restrictions>>()
// A public type, never the internal context.
expectTypeOf(provideChunkedUpload).returns.toEqualTypeOf<UseChunkedUploadReturn>()
const pending = usePendingUploads()
expectTypeOf(pending.resumeFrom).returns.toEqualTypeOf<Promise<PendingResumeResult>>()
expectTypeOf(pending.dismissedCount).toEqualTypeOf<ComputedRef<number>>()
expectTypeOf(useUploadMessages().t).returns.toEqualTypeOf<string>()
// Names the root no longer exports (engine internals live on /core and /protocol-kit).
// @ts-expect-error not on the root entry
import('vue-chunked-upload').then((m) => m.createScheduler)

expectTypeOf(UploadPlugin).not.toBeAny()
expectTypeOf(UploadPlugin).toMatchTypeOf<Plugin>()
expectTypeOf(pluginFromVue).toEqualTypeOf(UploadPlugin)
declare const app: App
app.use(UploadPlugin, { protocol: createHttpProtocol({ endpoint: '/api' }), md5: 'wasm' })
// @ts-expect-error an option UploadPlugin does not take
app.use(UploadPlugin, { notAnOption: true })
for (const component of [UploadDropzone, UploadProgress, ResumeBanner]) {
  expectTypeOf(component).not.toBeAny()
  expectTypeOf(component).toMatchTypeOf<Component>()
}

// Subpath entries type what they export.
expectTypeOf(core.createUploader).toEqualTypeOf(createUploader)
expectTypeOf(core.UploadError).not.toBeAny()
expectTypeOf(createS3Protocol).returns.toEqualTypeOf<UploadProtocol>()
expectTypeOf(createTusProtocol).returns.toEqualTypeOf<UploadProtocol>()
expectTypeOf(createHasher).not.toBeAny()
expectTypeOf(createHasher).parameter(0).exclude<undefined>().toHaveProperty('worker')
expectTypeOf(createAxiosTransport).not.toBeAny()
expectTypeOf(createIdbStore).not.toBeAny()
expectTypeOf(createMemoryStore).returns.not.toBeAny()
// A protocol of your own names the requests of every optional member it implements.
expectTypeOf<core.SmallUploadRequest>().toEqualTypeOf<
  Parameters<NonNullable<UploadProtocol['uploadSmall']>>[0]
>()
expectTypeOf<core.SmallBatchRequest>().toEqualTypeOf<
  Parameters<NonNullable<UploadProtocol['uploadSmallBatch']>>[0]
>()
expectTypeOf<core.PrepareSmallRequest>().toEqualTypeOf<
  Parameters<NonNullable<UploadProtocol['prepareSmall']>>[0]
>()
expectTypeOf<core.PreparePartsRequest>().toEqualTypeOf<
  Parameters<NonNullable<UploadProtocol['prepareParts']>>[0]
>()
expectTypeOf<core.SmallBatchFile>().toHaveProperty('md5')
expectTypeOf<core.Transport['prepare']>().toEqualTypeOf<(() => void) | undefined>()

// pinia lives on its own entry.
const store = useUploadStore()
expectTypeOf(store).not.toBeAny()
expectTypeOf(store.list).toEqualTypeOf<UploadRecord[]>()
expectTypeOf(store.start).toBeFunction()
