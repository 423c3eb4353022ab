/**
 * A stand-in engine for stories and component tests: it holds a snapshot you set, records
 * the calls made to it, and never touches the network, IndexedDB or a Worker. Components
 * see it through `provideChunkedUpload({ uploader })`, exactly as they see the real one.
 */
import {
  UploadError,
  type AddResult,
  type LiveRestrictions,
  type PendingUpload,
  type Restrictions,
  type UploadErrorCode,
  type Uploader,
  type UploaderSnapshot,
  type UploadEvents,
  type UploadSnapshot,
  type UploadStatus,
} from 'vue-chunked-upload'
import { MiB } from 'vue-chunked-upload/protocol-kit'

export interface FakeUploader extends Uploader {
  /** Calls made to the engine, e.g. `pause:u1`, `add:a.mp4,b.mp4`, `discard:key`. */
  readonly calls: string[]
  set(next: Partial<UploaderSnapshot>): void
  setPending(list: PendingUpload[]): void
}

/**
 * @param files The Blob behind each upload id, for thumbnails (`getFile`); files passed to
 *   `add` are kept too.
 */
export function createFakeUploader(
  initial: Partial<UploaderSnapshot> = {},
  pendingList: PendingUpload[] = [],
  files: Record<string, Blob> = {},
): FakeUploader {
  const blobs = new Map(Object.entries(files))
  let snapshot = totals({
    uploads: [],
    online: true,
    activeRequests: 0,
    elsewhere: [],
    ...initial,
  })
  let pending = pendingList
  // Kept and reported like the engine's (getters called when read); not enforced by `add`.
  let restrictions: LiveRestrictions = {}
  const listeners = new Set<(s: UploaderSnapshot) => void>()
  const calls: string[] = []
  const notify = () => listeners.forEach((listener) => listener(snapshot))
  const record = (name: string, id?: string) =>
    calls.push(id === undefined ? name : `${name}:${id}`)
  return {
    calls,
    set(next) {
      snapshot = totals({ ...snapshot, ...next })
      notify()
    },
    setPending(list) {
      pending = list
    },
    add(files): AddResult {
      const list = files instanceof Blob ? [files] : Array.from(files as Iterable<Blob>)
      record('add', list.map((f) => (f as File).name).join(','))
      const rejected = list
        .filter((f) => f.size === 0)
        .map((f) => ({
          file: { name: (f as File).name, size: 0, type: f.type, lastModified: 0 },
          error: new UploadError('file-too-small', 'empty', {
            params: { name: (f as File).name, minFileSize: 1 },
          }),
        }))
      const added = list
        .filter((f) => f.size > 0)
        .map((f) => {
          const upload = uploadIn({ state: 'queued' }, 0, { name: (f as File).name, size: f.size })
          blobs.set(upload.id, f)
          return upload
        })
      if (added.length > 0) {
        snapshot = totals({ ...snapshot, uploads: [...snapshot.uploads, ...added] })
        notify()
      }
      return { added, rejected }
    },
    start: (id) => void record('start', id),
    pause: (id) => void record('pause', id),
    resume: (id) => void record('resume', id),
    retry: (id) => void record('retry', id),
    cancel: async (id) => void record('cancel', id),
    remove: async (id) => void record('remove', id),
    getFile: (id) => blobs.get(id),
    getRestrictions: () =>
      Object.fromEntries(
        Object.entries(restrictions).map(([name, value]) => [
          name,
          typeof value === 'function' ? value() : value,
        ]),
      ) as Restrictions,
    setRestrictions(next) {
      restrictions = { ...restrictions, ...next }
      snapshot = { ...snapshot }
      notify()
    },
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    on:
      <K extends keyof UploadEvents>(_event: K, _fn: (payload: UploadEvents[K]) => void) =>
      () => {},
    pending: async () => pending,
    async discard(key) {
      record('discard', key)
      const found = pending.find((p) => p.key === key)
      // A key ending in `#offline` stands for a server that cannot be reached: kept, clearing.
      if (found && key.endsWith('#offline')) {
        pending = pending.map((p) => (p.key === key ? { ...p, clearing: true } : p))
        return false
      }
      pending = pending.filter((p) => p.key !== key)
      return true
    },
    async resumeFrom(key, file) {
      const name = (file as File).name
      record('resumeFrom', `${key}:${name}`)
      const found = pending.find((p) => p.key === key)
      if (!found || found.file.name !== name || found.file.size !== file.size) {
        return {
          error: new UploadError('file-mismatch', 'different file', {
            params: { name, expected: found?.file.name ?? '?', size: file.size },
          }),
        }
      }
      pending = pending.filter((p) => p.key !== key)
      const upload = uploadIn({ state: 'queued' }, 0, { name, size: file.size })
      snapshot = totals({ ...snapshot, uploads: [...snapshot.uploads, upload] })
      notify()
      return { upload }
    },
    setOnline: (online) => {
      record('setOnline', String(online))
    },
    flush: async () => {},
    destroy: () => void record('destroy'),
  }
}

function totals(s: Omit<UploaderSnapshot, 'total'> & { total?: unknown }): UploaderSnapshot {
  const size = s.uploads.reduce((n, u) => n + u.file.size, 0)
  const bytesUploaded = s.uploads.reduce((n, u) => n + u.bytesUploaded, 0)
  const speed = s.uploads.reduce((n, u) => n + u.speed, 0)
  return {
    uploads: s.uploads,
    online: s.online,
    activeRequests: s.activeRequests,
    elsewhere: s.elsewhere,
    total: {
      size,
      bytesUploaded,
      progress: size === 0 ? 0 : bytesUploaded / size,
      speed,
      eta: speed > 0 ? (size - bytesUploaded) / speed : undefined,
    },
  }
}

let seq = 0

/** One upload snapshot in a given status, `fraction` of it sent. */
export function uploadIn(
  status: UploadStatus,
  fraction = 0,
  overrides: Partial<UploadSnapshot> & { name?: string; size?: number; type?: string } = {},
): UploadSnapshot {
  const { name = 'holiday-video.mp4', size = 640 * MiB, type = 'video/mp4', ...rest } = overrides
  const moving = status.state === 'uploading'
  return {
    id: `u${++seq}`,
    file: { name, size, type, lastModified: 1_700_000_000_000 },
    status,
    bytesUploaded: Math.round(size * fraction),
    progress: fraction,
    speed: moving ? 12 * MiB : 0,
    eta: moving ? (size * (1 - fraction)) / (12 * MiB) : undefined,
    hash: { state: status.state === 'hashing' ? 'hashing' : 'idle', bytes: Math.round(size * 0.4) },
    retries: 0,
    bytesResent: 0,
    resumed: false,
    restarted: false,
    addedAt: 0,
    startedAt: 0,
    finishedAt: undefined,
    ...rest,
  }
}

export const errorOf = (code: UploadErrorCode, params: Record<string, string | number> = {}) =>
  new UploadError(code, `${code} (developer message, never shown)`, { params })

/** A pending upload from an earlier visit. */
export function pendingOf(name: string, size: number, fraction: number): PendingUpload {
  const updatedAt = Date.UTC(2026, 10, 20, 9, 30)
  return {
    key: `http|memory://fake|${name}`,
    file: { name, size, type: 'application/octet-stream', lastModified: 1_700_000_000_000 },
    bytesUploaded: Math.round(size * fraction),
    createdAt: updatedAt - 3_600_000,
    updatedAt,
    expiresAt: updatedAt + 7 * 24 * 3_600_000,
    clearing: false,
  }
}

export { MiB }
