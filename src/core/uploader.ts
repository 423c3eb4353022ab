import { createTuner, fixedTuner } from './adaptive'
import { systemClock } from './clock'
import { createEmitter } from './emitter'
import {
  abortError,
  CANCEL_REASON,
  OFFLINE_REASON,
  PAUSE_REASON,
  UploadError,
  toUploadError,
} from './errors'
import { runJob, stopClock } from './flow'
import { stopHashing } from './hash-job'
import { createJob, setStatus, type FlowContext, type FlowOptions, type Job } from './job'
import { MiB } from './plan'
import { createRecordWriter } from './record-writer'
import { checkFile } from './restrictions'
import { defaultRetryPolicy } from './retry'
import { createScheduler } from './scheduler'
import { createSnapshots } from './snapshots'
import { createTabGuard } from './tabs'
import { watchLink } from './link'
import type { UploadEvents, UploadSnapshot } from './state'
import type { FileInfo } from './types'
import { abortRemote } from './control'
import { createPendingRecords } from './pending'
import {
  asItems,
  assertValidOptions,
  duplicateError,
  isBlobLike,
  notAFile,
  sameFile,
} from './input-checks'
import { guardStore } from './guarded-store'
import { checkAgainstRecord } from './reselect'
import type { AddOptions, ResumeOutcome, Uploader, UploaderOptions } from './uploader-api'
import {
  canCancel,
  canPause,
  canResume,
  canRetry,
  canStart,
  isLive,
  isPausedOffline,
} from './status'

export type {
  AddOptions,
  AddResult,
  PendingUpload,
  ResumeOutcome,
  Uploader,
  UploaderOptions,
} from './uploader-api'

let nextId = 0

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
  assertValidOptions(options)
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
  const policy = { ...defaultRetryPolicy, ...options.retry }
  const scheduler = createScheduler({
    concurrency,
    clock,
    retry: policy,
    // The snapshot's activeRequests follows requests ending too, not only job changes.
    onActiveChange: () => snapshots.touch(),
  })
  const jobs = new Map<string, Job>()
  /** What the browser says; the snapshot is also offline while the scheduler sees the link down. */
  const online = { value: true }
  const snapshots = createSnapshots({
    jobs,
    clock,
    online: {
      get value() {
        return online.value && !scheduler.linkDown
      },
    },
    elsewhere: () => tabs.elsewhere(),
    activeRequests: () => scheduler.active,
    intervalMs: options.progressIntervalMs ?? 100,
    emit: emitter.emit,
  })
  const warn = (error: UploadError) => emitter.emit('warning', { error })
  // A broken store (missing, blocked, full) warns once and leaves uploads going.
  const store =
    options.store &&
    guardStore(options.store, { clock, timeoutMs: options.storageTimeoutMs ?? 5000, warn })
  const tabs = createTabGuard({
    clock,
    locks: options.locks,
    peers: options.peers,
    jobs,
    setStatus: (job, status) => setStatus(ctx, job, status),
    emit: emitter.emit,
    snapshot: snapshots.of,
    changed: snapshots.changed,
    touch: snapshots.touch,
  })
  // Other tabs hear of this one's uploads whenever its snapshot changes (throttled there).
  const stopPublishing = snapshots.subscribe(() => tabs.publish())
  /** Aborted by destroy(): work no pause or cancel stops (a create sent, a reselect check). */
  const lifetime = new AbortController()
  const ctx: FlowContext = {
    lifetime: lifetime.signal,
    protocol: options.protocol,
    transport: options.transport,
    control: {
      request: (request) =>
        options.transport.request({ timeoutMs: flowOptions.requestTimeoutMs, ...request }),
    },
    clock,
    hasher: flowOptions.hashing ? options.hasher : undefined,
    store,
    scheduler,
    tuner:
      options.adaptive === false
        ? fixedTuner
        : createTuner(typeof options.adaptive === 'object' ? options.adaptive : {}),
    writer: createRecordWriter(store, warn),
    options: flowOptions,
    emit: emitter.emit,
    changed: snapshots.changed,
    snapshot: snapshots.of,
    tabs,
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
    // A probe that ended without reaching the server (a local failure) must not leave
    // the link down with nobody probing: every upload paused offline would stay so.
    if (running === 0) link.idle()
  }

  const select = (id: string | undefined): Job[] =>
    id === undefined ? [...jobs.values()] : jobs.has(id) ? [jobs.get(id)!] : []

  function halt(job: Job, reason: object): void {
    // The cross-tab lock goes now, not when the aborted run has unwound: a resume at once
    // must not find its own tab holding it.
    job.run?.release?.()
    job.run?.controller.abort(reason)
    if (job.run) stopClock(ctx, job)
    job.run = undefined
  }

  function pauseJob(job: Job, reason: 'user' | 'offline'): void {
    if (!canPause(job.status)) return
    halt(job, reason === 'user' ? PAUSE_REASON : OFFLINE_REASON)
    setStatus(ctx, job, { state: 'paused', reason })
    emitter.emit('paused', { upload: snapshots.of(job), reason })
  }

  function requeue(job: Job): void {
    setStatus(ctx, job, { state: 'queued' })
    emitter.emit('resumed', { upload: snapshots.of(job) })
  }

  async function cancelJob(job: Job): Promise<void> {
    if (!canCancel(job.status)) return
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

  const link = watchLink({
    scheduler,
    clock,
    policy,
    online,
    pauseAll() {
      for (const job of jobs.values()) pauseJob(job, 'offline')
    },
    probe() {
      const job = [...jobs.values()].find((j) => isPausedOffline(j.status))
      if (!job) return false
      requeue(job)
      pumpFiles()
      return true
    },
    resumeAll() {
      for (const job of jobs.values()) if (isPausedOffline(job.status)) requeue(job)
      pumpFiles()
    },
    touch: snapshots.touch,
  })

  const pending = createPendingRecords(ctx, jobs, warn)

  function add(
    files: Blob | Iterable<Blob> | ArrayLike<Blob>,
    addOptions: AddOptions = {},
    resumeOf?: Job['resumeOf'],
    knownHash?: string,
  ) {
    const added: UploadSnapshot[] = []
    const rejected: { file: FileInfo; error: UploadError }[] = []
    const live = [...jobs.values()].filter((job) => isLive(job.status.state))
    let count = live.length
    for (const file of asItems(files)) {
      if (!isBlobLike(file)) {
        const refusal = notAFile(file)
        rejected.push(refusal)
        emitter.emit('file-rejected', refusal)
        continue
      }
      const info = fileInfo(file)
      // A failed upload may be added again (it resumes from its record); a live one may not.
      const error = live.some(
        (job) => job.status.state !== 'error' && sameFile(job.file, job.info, file, info),
      )
        ? duplicateError(info)
        : checkFile(info, options.restrictions ?? {}, count)
      if (error) {
        rejected.push({ file: info, error })
        emitter.emit('file-rejected', { file: info, error })
        continue
      }
      count++
      const job = createJob(`u${++nextId}`, file, info, clock.now(), flowOptions.hashing)
      job.handle = addOptions.handles?.get(file)
      job.resumeOf = resumeOf
      // Hashed already to check the file against its record: not hashed a second time.
      if (knownHash && job.hash.status.state !== 'off') {
        job.hash.status = { state: 'done', bytes: info.size, value: knownHash }
      }
      if (options.autoStart === false) job.status = { state: 'idle' }
      jobs.set(job.id, job)
      live.push(job)
      snapshots.changed(job, 'state')
      const snapshot = snapshots.of(job)
      added.push(snapshot)
      emitter.emit('file-added', { upload: snapshot })
    }
    if (!online.value) for (const job of jobs.values()) pauseJob(job, 'offline')
    pumpFiles()
    return { added, rejected }
  }

  async function resumeFrom(
    key: string,
    file: Blob,
    resumeOptions: { handle?: unknown } = {},
  ): Promise<ResumeOutcome> {
    const record = (await pending.read()).find((r) => r.key === key)
    if (!record || record.clearing) {
      return {
        error: new UploadError('not-found', 'No saved upload with this key', { retryable: false }),
      }
    }
    try {
      // The check may hash a large file: destroy() stops it.
      const { fingerprint, hash } = await checkAgainstRecord(
        file,
        fileInfo(file),
        record,
        ctx.hasher,
        lifetime.signal,
      )
      if (destroyed) throw abortError(lifetime.signal)
      const handle = resumeOptions.handle ?? record.handle
      const handles = handle === undefined ? undefined : new Map([[file, handle]])
      const result = add(file, { handles }, { key, fingerprint }, hash)
      if (result.rejected.length > 0) return { error: result.rejected[0].error }
      return { upload: result.added[0] }
    } catch (error) {
      return { error: toUploadError(error, 'file-unreadable') }
    }
  }

  return {
    pending: pending.list,
    discard: pending.discard,
    add: (files, addOptions) => add(files, addOptions),
    resumeFrom,
    start(id) {
      for (const job of select(id)) {
        if (!canStart(job.status)) continue
        requeue(job)
        // Started while offline: it goes as soon as the network is back.
        if (!online.value) pauseJob(job, 'offline')
      }
      pumpFiles()
    },
    pause(id) {
      for (const job of select(id)) pauseJob(job, 'user')
      pumpFiles()
    },
    resume(id) {
      for (const job of select(id)) {
        if (!canResume(job.status, online.value)) continue
        requeue(job)
        if (!online.value) pauseJob(job, 'offline')
      }
      pumpFiles()
    },
    async cancel(id) {
      await Promise.all(select(id).map(cancelJob))
      pumpFiles()
    },
    retry(id) {
      for (const job of select(id)) if (canRetry(job.status)) requeue(job)
      pumpFiles()
    },
    async remove(id) {
      const job = jobs.get(id)
      if (!job) return
      await cancelJob(job)
      jobs.delete(id)
      snapshots.forget(id)
    },
    getFile: (id) => jobs.get(id)?.file,
    getSnapshot: snapshots.current,
    subscribe: snapshots.subscribe,
    on: emitter.on,
    setOnline(next) {
      // Told online while the link is down: the 'online' event, so try again at once.
      if (online.value === next && !(next && scheduler.linkDown)) return
      online.value = next
      if (next) link.backOnline()
      else link.wentOffline()
      for (const job of jobs.values()) {
        if (!next) pauseJob(job, 'offline')
        else if (isPausedOffline(job.status)) requeue(job)
      }
      snapshots.touch()
      pumpFiles()
    },
    flush: () => ctx.writer.flush(),
    destroy() {
      destroyed = true
      lifetime.abort(PAUSE_REASON)
      for (const job of jobs.values()) {
        halt(job, PAUSE_REASON)
        stopHashing(job)
      }
      link.dispose()
      stopPublishing()
      tabs.dispose()
      scheduler.dispose()
      snapshots.dispose()
      emitter.clear()
    },
  }
}
