import { createTuner, fixedTuner } from './adaptive'
import { systemClock } from './clock'
import { createEmitter } from './emitter'
import { CANCEL_REASON, OFFLINE_REASON, PAUSE_REASON, UploadError } from './errors'
import { runJob } from './flow'
import { stopHashing } from './hash-job'
import { createJob, setStatus, type FlowContext, type FlowOptions, type Job } from './job'
import { MiB } from './plan'
import { createRecordWriter } from './record-writer'
import { checkFile } from './restrictions'
import { defaultRetryPolicy } from './retry'
import { createScheduler } from './scheduler'
import { createSnapshots } from './snapshots'
import type { UploadEvents, UploadSnapshot } from './state'
import type { FileInfo } from './types'
import { abortRemote } from './control'
import { createPendingRecords } from './pending'
import type { Uploader, UploaderOptions } from './uploader-api'

export type { AddResult, PendingUpload, Uploader, UploaderOptions } from './uploader-api'

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
    tuner:
      options.adaptive === false
        ? fixedTuner
        : createTuner(typeof options.adaptive === 'object' ? options.adaptive : {}),
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

  const pending = createPendingRecords(ctx, jobs, (error) => emitter.emit('warning', { error }))

  return {
    pending: pending.list,
    discard: pending.discard,
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
