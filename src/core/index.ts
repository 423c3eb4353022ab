export * from './errors'
export * from './types'
export * from './status/upload-state'
export { planChunks, partAt, partLength, isValidPlan, KiB, MiB, GiB } from './run/part-plan'
export {
  createScheduler,
  type Scheduler,
  type SchedulerTask,
  type SchedulerOptions,
} from './scheduling/scheduler'
export {
  defaultRetryPolicy,
  retryDelay,
  shouldRetry,
  type RetryPolicy,
} from './scheduling/retry-policy'
export {
  deriveProgress,
  updateRate,
  createByteCounts,
  reportLoaded,
  dropRequest,
  ackRequest,
  rawBytes,
  shownBytes,
  type ByteCounts,
  type Rate,
  type ProgressView,
} from './status/progress'
export {
  checkFile,
  matchesAccept,
  normalizeAccept,
  type Restrictions,
  type LiveRestrictions,
  type Live,
} from './uploader/restrictions'
export { createEmitter, type Emitter } from './uploader/emitter'
export { systemClock, sleep } from './scheduling/clock'
export type { AdaptiveOptions } from './scheduling/adaptive-tuner'
export { withStallGuard } from './run/stall-guard'
export { httpError, parseJsonObject, serverErrorCode, isObject } from './protocol-helpers'
export { createUploader } from './uploader/create-uploader'
export type { UploadMetadata, MetadataOption } from './metadata'
export type {
  BeforeAddHook,
  BeforeAddContext,
  BeforeAddAnswer,
  BeforeUploadHook,
  BeforeUploadContext,
  BeforeUploadAnswer,
} from './hooks'
export type { RefreshAuth } from './auth-refresh'
export type {
  Uploader,
  UploaderOptions,
  AddResult,
  AddOptions,
  PendingUpload,
  ResumeOutcome,
} from './uploader/uploader-api'
