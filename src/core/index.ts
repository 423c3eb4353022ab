export * from './errors'
export * from './types'
export * from './state'
export { planChunks, partAt, partLength, isValidPlan, KiB, MiB, GiB } from './plan'
export {
  createScheduler,
  type Scheduler,
  type SchedulerTask,
  type SchedulerOptions,
} from './scheduler'
export { defaultRetryPolicy, retryDelay, shouldRetry, type RetryPolicy } from './retry'
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
} from './progress'
export { checkFile, matchesAccept, normalizeAccept, type Restrictions } from './restrictions'
export { createEmitter, type Emitter } from './emitter'
export { systemClock, sleep } from './clock'
export type { AdaptiveOptions } from './adaptive'
export { withStallGuard } from './stall-guard'
export { httpError, parseJsonObject, serverErrorCode, isObject } from './http'
export {
  createUploader,
  type Uploader,
  type UploaderOptions,
  type AddResult,
  type PendingUpload,
} from './uploader'
