/**
 * vue-chunked-upload: resumable, concurrent, chunked uploads of very large files.
 * The engine and its types, the HTTP chunk protocol, the default adapters, and messages.
 * Subpath entries (`vue-chunked-upload/core`, `/http`, `/hashing`, …) load less.
 */
export * from './core'
export { createHttpProtocol, httpCapabilities, type HttpProtocolOptions } from './protocols/http'
export {
  createS3Protocol,
  s3Capabilities,
  isEtagUnreadable,
  multipartEtag,
  ETAG_UNREADABLE,
  type S3ProtocolOptions,
} from './protocols/s3'
export {
  createTusProtocol,
  tusCapabilities,
  type TusProtocolOptions,
  type TusHeaders,
} from './protocols/tus'
export { createDefaultUploader, type DefaultUploaderOptions } from './vue/defaults'
export {
  createHasher,
  createWorkerHasher,
  createInlineHasher,
  type DisposableHasher,
} from './hashing'
export { createAxiosTransport, type AxiosTransportOptions } from './transport'
export {
  createWebLocks,
  createTabChannel,
  type WebLocksOptions,
  type LockManagerLike,
  type TabChannel,
  type TabChannelOptions,
  type ChannelLike,
} from './tabs'
export {
  createMemoryStore,
  createIdbStore,
  isResumeRecord,
  type IdbStoreOptions,
} from './persistence'
export {
  formatError,
  formatBytes,
  formatMessage,
  formatDuration,
  en,
  zhCN,
  type LocaleName,
  type Messages,
  type MessageOverrides,
  type UiMessages,
} from './locales'
export {
  useChunkedUpload,
  usePendingUploads,
  useUploadMessages,
  provideChunkedUpload,
  createUploadContext,
  createUploadPlugin,
  toUploadRecord,
  UploadContextKey,
  type UseChunkedUploadOptions,
  type UseChunkedUploadReturn,
  type UsePendingUploadsOptions,
  type UsePendingUploadsReturn,
  type UseUploadMessagesOptions,
  type UseUploadMessagesReturn,
  type UploadEventHook,
  type PendingResumeResult,
  type UploadOptions,
  type UploadPluginOptions,
  type UploadContext,
  type UploadRecord,
  type PendingRecord,
  type RejectedFile,
  type FailedUpload,
} from './vue'
export {
  UploadPlugin,
  UploadDropzone,
  UploadProgress,
  ResumeBanner,
  viewOf,
  type UploadView,
  type BulkAction,
  type FileKind,
  type UploadDropzoneProps,
  type UploadProgressProps,
  type ResumeBannerProps,
} from './components'
