/**
 * Messages between the hashing worker and {@link createWorkerHasher}. Blobs cross by
 * structured clone, which shares the underlying file instead of copying its bytes.
 */
import type { UploadErrorCode } from '../core/errors'
import type { Md5Engine } from './md5-engine'

/** Main thread → worker. */
export type WorkerRequest =
  | {
      readonly type: 'md5'
      readonly id: number
      readonly blob: Blob
      readonly sliceSize?: number
      readonly engine?: Md5Engine
    }
  | {
      readonly type: 'sample'
      readonly id: number
      readonly blob: Blob
      readonly sampleSize?: number
      readonly engine?: Md5Engine
    }
  | { readonly type: 'cancel'; readonly id: number }

/** Worker → main thread. Every job ends with exactly one `done` or `error`. */
export type WorkerResponse =
  | { readonly type: 'progress'; readonly id: number; readonly bytes: number }
  /** The selected engine could not start; the job goes on with spark-md5. */
  | {
      readonly type: 'warning'
      readonly id: number
      readonly message: string
      readonly code: UploadErrorCode
    }
  | { readonly type: 'done'; readonly id: number; readonly hex: string }
  | {
      readonly type: 'error'
      readonly id: number
      readonly message: string
      /** The `UploadError` code when the failure was one; `aborted` after a cancel. */
      readonly code?: UploadErrorCode
    }
