/** The Vue layer's public API (components import from here, never from its files). */
export {
  useChunkedUpload,
  provideChunkedUpload,
  type UseChunkedUploadOptions,
  type UseChunkedUploadReturn,
  type UploadEventHook,
  type RejectedFile,
  type FailedUpload,
} from './use-chunked-upload'
export {
  usePendingUploads,
  type UsePendingUploadsOptions,
  type UsePendingUploadsReturn,
  type PendingResumeResult,
} from './use-pending-uploads'
export {
  useUploadMessages,
  type UseUploadMessagesOptions,
  type UseUploadMessagesReturn,
} from './use-upload-messages'
export {
  readHandle,
  isFileHandle,
  takeDroppedHandles,
  pickFiles,
  hasFilePicker,
  type FileHandleLike,
} from './file-handle'
export { takeDroppedFiles, type DroppedFiles } from './dropped-files'
// The pinia store lives on its own entry (`vue-chunked-upload/pinia`): nothing else imports pinia.
export { toUploadRecord, type UploadRecord, type PendingRecord } from './records'
export { createUploadPlugin, type UploadPluginOptions } from './plugin'
export { createUploadContext, UploadContextKey, type UploadContext } from './context'
export type { UploadOptions } from './options'
export { createDefaultUploader, type DefaultUploaderOptions } from './defaults'
// Types the components (and apps) need, so they never reach into the engine's files.
export type {
  UploadSnapshot,
  UploadStatus,
  UploadState,
  PauseReason,
  TabUpload,
  UploaderSnapshot,
  TotalProgress,
  PendingUpload,
  UploadError,
  UploadErrorCode,
  UploadEvents,
  FileInfo,
  AddResult,
  AddOptions,
} from '../core'
