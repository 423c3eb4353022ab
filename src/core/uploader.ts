import { systemClock } from './clock'
import { createEmitter, type Emitter } from './emitter'
import { CANCEL_REASON, OFFLINE_REASON, PAUSE_REASON, UploadError } from './errors'
import { runJob } from './flow'
import { stopHashing } from './hash-job'
import { createJob, setStatus, type FlowContext, type FlowOptions, type Job } from './job'
import { MiB } from './plan'
import { createRecordWriter } from './record-writer'
import { checkFile, type Restrictions } from './restrictions'
import { defaultRetryPolicy, type RetryPolicy } from './retry'
import { createScheduler } from './scheduler'
import { createSnapshots } from './snapshots'
import type { UploadEvents, UploaderSnapshot, UploadSnapshot } from './state'
import type {
  Clock,
  FileInfo,
  Hasher,
  ResumeRecord,
  ResumeStore,
  Transport,
  UploadProtocol,
} from './types'
import { resumeKeyPrefix } from './connect'
import { abortRemote } from './control'

export interface UploaderOptions {
  /** The backend: `createHttpProtocol(...)`, S3, tus, or your own. */
  readonly protocol: UploadProtocol
  readonly transport: Transport
  /** MD5 for fingerprints and verification; without it nothing is hashed. */
  readonly hasher?: Hasher
  /** Where resume records go; without it uploads resume only within this page's life. */
  readonly store?: ResumeStore
  /** @default the system clock */
  readonly clock?: Clock
  /** Requests in flight across all files. @default 4 */
  readonly concurrency?: number
  /** Preferred part size in bytes; grown for very large files, clamped to the protocol's limits. @default 8 MiB */
  readonly chunkSize?: number
  /** Abort and retry a request that made no progress for this long. @default 30000 */
  readonly stallTimeoutMs?: number
  /** Timeout of control requests (create, status, complete, abort). @default 60000 */
  readonly requestTimeoutMs?: number
  /**
   * MD5 hashing: the sampled fingerprint, per-part checksums where the protocol carries them,
   * and the full MD5 alongside the upload for servers that verify it (the HTTP protocol; S3
   * and tus check parts instead, so no full hash is computed for them). @default true
   */
  readonly hashing?: boolean
  /** Send the File itself in one request when starting from byte 0, if the protocol can. @default true */
  readonly stream?: boolean
  /** Start uploads as soon as files are added. @default true */
  readonly autoStart?: boolean
  readonly restrictions?: Restrictions
  readonly retry?: Partial<RetryPolicy>
  /** How long a resume record is kept. @default 7 days */
  readonly resumeExpiryMs?: number
  /** Least interval between progress notifications. @default 100 */
  readonly progressIntervalMs?: number
  /** Extra metadata sent when an upload is created. */
  readonly metadata?: (file: FileInfo) => Record<string, string>
}

/** An upload from an earlier visit that can be resumed by adding the same file again. */
export interface PendingUpload {
  /** The resume record's key; pass it to `discard`. */
  readonly key: string
  readonly file: FileInfo
  /** Bytes the server had acknowledged when the record was last written. */
  readonly bytesUploaded: number
  readonly createdAt: number
  readonly updatedAt: number
  readonly expiresAt: number
}

export interface AddResult {
  readonly added: readonly UploadSnapshot[]
  readonly rejected: readonly { readonly file: FileInfo; readonly error: UploadError }[]
}

/** The engine: framework-free, one per app (or per upload area). */
export interface Uploader {
  add(files: Blob | Iterable<Blob> | ArrayLike<Blob>): AddResult
  /** Starts queued uploads (when `autoStart` is off); all when no id is given. */
  start(id?: string): void
  pause(id?: string): void
  resume(id?: string): void
  /** Stops the upload, deletes it on the server and forgets its resume record. */
  cancel(id?: string): Promise<void>
  /** Tries a failed upload again, continuing from what the server holds. */
  retry(id?: string): void
  /** Cancels if needed and removes the upload from the list. */
  remove(id: string): Promise<void>
  getSnapshot(): UploaderSnapshot
  /** Called after every change (progress at most every `progressIntervalMs`). */
  subscribe(listener: (snapshot: UploaderSnapshot) => void): () => void
  on: Emitter<UploadEvents>['on']
  /**
   * Uploads saved by earlier visits for this protocol and endpoint that are not in this
   * uploader: adding the same file again resumes one. Never throws: unreadable storage
   * gives an empty list and a `warning` event.
   */
  pending(): Promise<PendingUpload[]>
  /** Deletes a pending upload on the server and forgets its record. */
  discard(key: string): Promise<void>
  /** Offline pauses every upload; back online resumes the ones it paused. */
  setOnline(online: boolean): void
  /** Resolves once every pending resume-record write has settled. */
  flush(): Promise<void>
  /** Stops everything without deleting anything on the server, so a later visit can resume. */
  destroy(): void
}

let nextId = 0
const ACTIVE: ReadonlySet<string> = new Set(['preparing', 'hashing', 'uploading', 'completing'])

function fileInfo(blob: Blob): FileInfo {
  const file = blob as Partial<File>
  return {
    name: typeof file.name === 'string' ? file.name : 'blob',
    size: blob.size,
    type: blob.type,
    lastModified: typeof file.lastModified === 'number' ? file.lastModified : 0,
  }
}

export function createUploader(options: UploaderOptions): Uploader {
  const clock = options.clock ?? systemClock
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4))
  const flowOptions: FlowOptions = {
    chunkSize: options.chunkSize ?? 8 * MiB,
    concurrency,
    stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    hashing: (options.hashing ?? true) && options.hasher !== undefined,
    stream: options.stream ?? true,
    resumeExpiryMs: options.resumeExpiryMs ?? 7 * 24 * 3600_000,
    metadata: options.metadata ?? (() => ({})),
  }
  const emitter = createEmitter<UploadEvents>((error) =>
    queueMicrotask(() => {
      throw error
    }),
  )
  const scheduler = createScheduler({
    concurrency,
    clock,
    retry: { ...defaultRetryPolicy, ...options.retry },
  })
  const jobs = new Map<string, Job>()
  const online = { value: true }
  const snapshots = createSnapshots({
    jobs,
    clock,
    online,
    activeRequests: () => scheduler.active,
    intervalMs: options.progressIntervalMs ?? 100,
    emit: emitter.emit,
  })
  const ctx: FlowContext = {
    protocol: options.protocol,
    transport: options.transport,
    control: {
      request: (request) =>
        options.transport.request({ timeoutMs: flowOptions.requestTimeoutMs, ...request }),
    },
    clock,
    hasher: flowOptions.hashing ? options.hasher : undefined,
    store: options.store,
    scheduler,
    writer: createRecordWriter(options.store, (error) => emitter.emit('warning', { error })),
    options: flowOptions,
    emit: emitter.emit,
    changed: snapshots.changed,
    snapshot: snapshots.of,
  }
  let destroyed = false

  /** Starts queued jobs in the order they were added while fewer than `concurrency` run. */
  function pumpFiles(): void {
    if (destroyed) return
    let running = 0
    for (const job of jobs.values()) if (job.run) running++
    for (const job of jobs.values()) {
      if (running >= concurrency) break
      if (job.status.state === 'queued' && !job.run) {
        running++
        void runJob(ctx, job).finally(pumpFiles)
      }
    }
  }

  const select = (id: string | undefined): Job[] =>
    id === undefined ? [...jobs.values()] : jobs.has(id) ? [jobs.get(id)!] : []

  function halt(job: Job, reason: object): void {
    job.run?.controller.abort(reason)
    job.run = undefined
  }

  function pauseJob(job: Job, reason: 'user' | 'offline'): void {
    if (!['idle', 'queued'].includes(job.status.state) && !ACTIVE.has(job.status.state)) return
    halt(job, reason === 'user' ? PAUSE_REASON : OFFLINE_REASON)
    setStatus(ctx, job, { state: 'paused', reason })
    emitter.emit('paused', { upload: snapshots.of(job), reason })
  }

  function requeue(job: Job): void {
    setStatus(ctx, job, { state: 'queued' })
    emitter.emit('resumed', { upload: snapshots.of(job) })
  }

  async function cancelJob(job: Job): Promise<void> {
    const { state } = job.status
    if (state === 'done' || state === 'canceled') return
    halt(job, CANCEL_REASON)
    stopHashing(job)
    setStatus(ctx, job, { state: 'canceled' })
    emitter.emit('upload-canceled', { upload: snapshots.of(job) })
    const server = job.server
    if (!server) return
    try {
      await abortRemote(ctx, job.id, server)
      await ctx.writer.delete(server.key)
    } catch (error) {
      // The record stays so that a later visit can clear what the server still holds.
      emitter.emit('warning', {
        error: new UploadError('network', 'The upload could not be deleted on the server', {
          cause: error,
        }),
      })
    }
  }

  const ownPrefix = `${resumeKeyPrefix(options.protocol)}|`

  async function readPending(): Promise<ResumeRecord[]> {
    if (!options.store) return []
    try {
      const records = await options.store.list()
      const active = new Set([...jobs.values()].map((job) => job.server?.key))
      return records.filter(
        (r) => r.key.startsWith(ownPrefix) && r.expiresAt > clock.now() && !active.has(r.key),
      )
    } catch (error) {
      emitter.emit('warning', {
        error: new UploadError('storage-unavailable', 'Saved uploads could not be read', {
          cause: error,
        }),
      })
      return []
    }
  }

  return {
    async pending() {
      return (await readPending()).map((r) => ({
        key: r.key,
        file: r.file,
        bytesUploaded: r.parts.reduce((sum, part) => sum + part.size, 0),
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        expiresAt: r.expiresAt,
      }))
    },
    async discard(key) {
      const record = (await readPending()).find((r) => r.key === key)
      if (!record) return
      await abortRemote(ctx, `discard:${key}`, record)
      await ctx.writer.delete(key)
    },
    add(files) {
      const list: Blob[] = files instanceof Blob ? [files] : Array.from(files as Iterable<Blob>)
      const added: UploadSnapshot[] = []
      const rejected: { file: FileInfo; error: UploadError }[] = []
      let count = 0
      for (const job of jobs.values()) if (!['done', 'canceled'].includes(job.status.state)) count++
      for (const file of list) {
        const info = fileInfo(file)
        const error = checkFile(info, options.restrictions ?? {}, count)
        if (error) {
          rejected.push({ file: info, error })
          emitter.emit('file-rejected', { file: info, error })
          continue
        }
        count++
        const job = createJob(`u${++nextId}`, file, info, clock.now(), flowOptions.hashing)
        if (options.autoStart === false) job.status = { state: 'idle' }
        jobs.set(job.id, job)
        snapshots.changed(job, 'state')
        const snapshot = snapshots.of(job)
        added.push(snapshot)
        emitter.emit('file-added', { upload: snapshot })
      }
      if (!online.value) for (const job of jobs.values()) pauseJob(job, 'offline')
      pumpFiles()
      return { added, rejected }
    },
    start(id) {
      for (const job of select(id)) {
        const { status } = job
        if (status.state === 'idle' || (status.state === 'paused' && status.reason === 'user'))
          requeue(job)
      }
      pumpFiles()
    },
    pause(id) {
      for (const job of select(id)) pauseJob(job, 'user')
      pumpFiles()
    },
    resume(id) {
      for (const job of select(id)) {
        if (job.status.state === 'paused' && (online.value || job.status.reason === 'user'))
          requeue(job)
      }
      pumpFiles()
    },
    async cancel(id) {
      await Promise.all(select(id).map(cancelJob))
      pumpFiles()
    },
    retry(id) {
      for (const job of select(id)) if (job.status.state === 'error') requeue(job)
      pumpFiles()
    },
    async remove(id) {
      const job = jobs.get(id)
      if (!job) return
      await cancelJob(job)
      jobs.delete(id)
      snapshots.forget(id)
    },
    getSnapshot: snapshots.current,
    subscribe: snapshots.subscribe,
    on: emitter.on,
    setOnline(next) {
      if (online.value === next) return
      online.value = next
      for (const job of jobs.values()) {
        if (!next) pauseJob(job, 'offline')
        else if (job.status.state === 'paused' && job.status.reason === 'offline') requeue(job)
      }
      snapshots.touch()
      pumpFiles()
    },
    flush: () => ctx.writer.flush(),
    destroy() {
      destroyed = true
      for (const job of jobs.values()) {
        halt(job, PAUSE_REASON)
        stopHashing(job)
      }
      scheduler.dispose()
      snapshots.dispose()
      emitter.clear()
    },
  }
}
