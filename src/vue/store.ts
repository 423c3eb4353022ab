import { defineStore } from 'pinia'
import { computed, shallowRef, watch } from 'vue'
import type {
  PauseReason,
  UploadErrorCode,
  UploaderSnapshot,
  UploadSnapshot,
  UploadState,
} from '../core'
import { useChunkedUpload } from './use-chunked-upload'

/** One upload as plain, serializable data (no File, Worker or engine). */
export interface UploadRecord {
  readonly id: string
  readonly name: string
  readonly size: number
  readonly type: string
  readonly state: UploadState
  /** Why it is paused, when it is. */
  readonly pausedBy?: PauseReason
  readonly retrying: boolean
  readonly bytesUploaded: number
  /** 0..1 */
  readonly progress: number
  readonly speed: number
  readonly eta: number | null
  readonly hashState: UploadSnapshot['hash']['state']
  readonly hash: string | null
  readonly retries: number
  readonly resumed: boolean
  /** The server forgot the upload and it started over from byte 0 (progress reset). */
  readonly restarted: boolean
  readonly errorCode: UploadErrorCode | null
  /** The error's end-user message in the chosen locale. */
  readonly errorMessage: string | null
  readonly retryable: boolean
}

export interface PendingRecord {
  readonly key: string
  readonly name: string
  readonly size: number
  readonly bytesUploaded: number
  readonly updatedAt: number
  readonly expiresAt: number
  /** A clear is waiting for the server. */
  readonly clearing: boolean
  /** A file handle was kept: Resume needs no dialog. */
  readonly resumable: boolean
}

export function toUploadRecord(
  upload: UploadSnapshot,
  message: (error: { code: UploadErrorCode; params: Record<string, string | number> }) => string,
): UploadRecord {
  const { status } = upload
  const error = status.state === 'error' ? status.error : undefined
  return {
    id: upload.id,
    name: upload.file.name,
    size: upload.file.size,
    type: upload.file.type,
    state: status.state,
    pausedBy: status.state === 'paused' ? status.reason : undefined,
    retrying: status.state === 'uploading' && status.retrying,
    bytesUploaded: upload.bytesUploaded,
    progress: upload.progress,
    speed: upload.speed,
    eta: upload.eta ?? null,
    hashState: upload.hash.state,
    hash: upload.hash.value ?? null,
    retries: upload.retries,
    resumed: upload.resumed,
    restarted: upload.restarted,
    errorCode: error?.code ?? null,
    errorMessage: error ? message(error) : null,
    retryable: error?.retryable ?? false,
  }
}

/**
 * The pinia store mirroring the engine provided by `UploadPlugin` (or `provideChunkedUpload`):
 * serializable records only, so devtools, SSR state transfer and persistence plugins see
 * plain data. Actions delegate to the engine; the engine stays outside the state.
 */
export const useUploadStore = defineStore('vue-chunked-upload', () => {
  const upload = useChunkedUpload()

  const order = shallowRef<string[]>([])
  const records = shallowRef<Record<string, UploadRecord>>({})
  const total = shallowRef<UploaderSnapshot['total']>(upload.total.value)
  const online = shallowRef(true)
  const pending = shallowRef<PendingRecord[]>([])

  watch(
    [upload.uploads, upload.total, upload.online, upload.locale],
    ([uploads, nextTotal, nextOnline]) => {
      const next: Record<string, UploadRecord> = {}
      for (const snapshot of uploads) next[snapshot.id] = toUploadRecord(snapshot, upload.message)
      records.value = next
      order.value = uploads.map((snapshot) => snapshot.id)
      total.value = { ...nextTotal }
      online.value = nextOnline
    },
    { immediate: true },
  )
  watch(
    upload.pending,
    (list) => {
      pending.value = list.map((p) => ({
        key: p.key,
        name: p.file.name,
        size: p.file.size,
        bytesUploaded: p.bytesUploaded,
        updatedAt: p.updatedAt,
        expiresAt: p.expiresAt,
        clearing: p.clearing,
        resumable: upload.canResume(p),
      }))
    },
    { immediate: true },
  )

  const list = computed(() => order.value.map((id) => records.value[id]))
  const active = computed(() =>
    list.value.filter((r) => ['preparing', 'hashing', 'uploading', 'completing'].includes(r.state)),
  )
  const failed = computed(() => list.value.filter((r) => r.state === 'error'))
  const done = computed(() => list.value.filter((r) => r.state === 'done'))

  return {
    order,
    records,
    total,
    online,
    pending,
    list,
    active,
    failed,
    done,
    add: upload.add,
    start: upload.start,
    pause: upload.pause,
    resume: upload.resume,
    cancel: upload.cancel,
    retry: upload.retry,
    remove: upload.remove,
    refreshPending: upload.refreshPending,
    clear: upload.clear,
    later: upload.later,
  }
})
