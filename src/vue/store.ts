import { defineStore } from 'pinia'
import { computed, shallowRef, watch } from 'vue'
import type { UploaderSnapshot, UploadSnapshot } from '../core'
import { toUploadRecord, type PendingRecord, type UploadRecord } from './records'
import { useChunkedUpload } from './use-chunked-upload'
import { usePendingUploads } from './use-pending-uploads'
import { useUploadMessages } from './use-upload-messages'

/**
 * The pinia store mirroring the engine provided by `UploadPlugin` (or `provideChunkedUpload`):
 * serializable records only, so devtools, SSR state transfer and persistence plugins see
 * plain data. Actions delegate to the engine; the engine stays outside the state.
 */
export const useUploadStore = /* @__PURE__ */ defineStore('vue-chunked-upload', () => {
  const upload = useChunkedUpload()
  const pendingUploads = usePendingUploads()
  const { message, locale } = useUploadMessages()

  const order = shallowRef<string[]>([])
  const records = shallowRef<Record<string, UploadRecord>>({})
  const total = shallowRef<UploaderSnapshot['total']>(upload.total.value)
  const online = shallowRef(true)
  const pending = shallowRef<PendingRecord[]>([])

  // The engine hands back the same snapshot for an upload that did not change, so its record
  // is kept too: a frame where one of 10,000 uploads moved builds one record, not 10,000, and
  // what renders the others sees the same objects. A failed one's record is built each time:
  // its message follows the locale.
  const made = new WeakMap<UploadSnapshot, UploadRecord>()
  const recordOf = (snapshot: UploadSnapshot): UploadRecord => {
    if (snapshot.status.state === 'error') return toUploadRecord(snapshot, message)
    let record = made.get(snapshot)
    if (!record) made.set(snapshot, (record = toUploadRecord(snapshot, message)))
    return record
  }

  watch(
    [upload.uploads, upload.total, upload.online, locale],
    ([uploads, nextTotal, nextOnline]) => {
      const next: Record<string, UploadRecord> = {}
      for (const snapshot of uploads) next[snapshot.id] = recordOf(snapshot)
      records.value = next
      order.value = uploads.map((snapshot) => snapshot.id)
      total.value = { ...nextTotal }
      online.value = nextOnline
    },
    { immediate: true },
  )
  watch(
    pendingUploads.pending,
    (list) => {
      pending.value = list.map((p) => ({
        key: p.key,
        name: p.file.name,
        size: p.file.size,
        bytesUploaded: p.bytesUploaded,
        updatedAt: p.updatedAt,
        expiresAt: p.expiresAt,
        clearing: p.clearing,
        resumable: pendingUploads.canResume(p),
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
    removeFinished: upload.removeFinished,
    refreshPending: pendingUploads.refresh,
    discard: pendingUploads.discard,
    dismiss: pendingUploads.dismiss,
  }
})
