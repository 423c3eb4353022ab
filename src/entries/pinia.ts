/**
 * `vue-chunked-upload/pinia`: `useUploadStore`, the pinia store mirroring the engine. The
 * only entry that imports pinia, so apps without pinia never need it.
 */
export { useUploadStore } from '../vue/store'
export { toUploadRecord, type UploadRecord, type PendingRecord } from '../vue/records'
