/**
 * The uploader's files in the order they were added: which run (at most `concurrency` at
 * once), and the verbs that move them between states (start, pause, resume, cancel,
 * retry, remove, online/offline). Every change goes through the status machine.
 */
import { CANCEL_REASON, OFFLINE_REASON, PAUSE_REASON, UploadError } from '../errors'
import { watchOutages } from '../pauses/outage-probe'
import { abortRemote } from '../run/control-requests'
import { stopHashing } from '../run/full-hash'
import { hashAhead } from '../run/hash-ahead'
import { joinsBatches, SMALL_BATCH_LIMITS } from '../run/small-batch'
import { takesSmallPath } from '../run/small-file'
import type { Job } from '../run/job'
import { setStatus, type FlowContext } from '../run/run-context'
import { runUpload, stopClock } from '../run/run-upload'
import type { RetryPolicy } from '../scheduling/retry-policy'
import type { createSnapshots } from '../status/snapshots'
import {
  canCancel,
  canPause,
  canResume,
  canRetry,
  canStart,
  isPausedOffline,
} from '../status/status-machine'
import type { UploadEvents } from '../status/upload-state'
import type { Emitter } from './emitter'
import { createSmallAhead } from './small-ahead'
import { createWaitingLine } from './waiting-line'
import type { Uploader } from './uploader-api'

/** What the queue shares with the rest of the uploader. */
export interface FileQueueDeps {
  readonly ctx: FlowContext
  readonly jobs: Map<string, Job>
  readonly snapshots: ReturnType<typeof createSnapshots>
  readonly emitter: Pick<Emitter<UploadEvents>, 'emit'>
  /** What the browser says (`setOnline`); shared with the snapshots and the intake. */
  readonly online: { value: boolean }
  readonly concurrency: number
  readonly policy: RetryPolicy
}

export type FileQueue = ReturnType<typeof createFileQueue>

/** The file queue of one uploader; `verbs` are its public methods. */
export function createFileQueue(deps: FileQueueDeps) {
  const { ctx, jobs, snapshots, emitter, online, concurrency, policy } = deps
  const { scheduler, clock } = ctx
  const line = createWaitingLine(jobs)
  const prepareSmallAhead = createSmallAhead(ctx, line)
  /** The jobs this queue started whose run may still be going (pruned on each pump). */
  const started = new Set<Job>()

  /**
   * How much of the `concurrency` a running job takes: one, or for a small file sent together
   * with others (`run/small-batch.ts`) its share of a batch, so that enough of them run to
   * fill the batches of every lane.
   */
  const share = (job: Job): number =>
    takesSmallPath(ctx, job) && joinsBatches(ctx, job) ? 1 / SMALL_BATCH_LIMITS.files : 1

  /**
   * Starts queued jobs in the order they were added while they take less than `concurrency`.
   * It looks only at the jobs it started and at the waiting ones: never at every job.
   */
  function pumpFiles(): void {
    if (ctx.lifetime.aborted) return
    prepareSmallAhead()
    let running = 0
    for (const job of started) {
      if (job.run && jobs.get(job.id) === job) running += share(job)
      else started.delete(job)
    }
    for (const job of line.waiting()) {
      if (running >= concurrency) break
      running += share(job)
      started.add(job)
      void runUpload(ctx, job).finally(pumpFiles)
    }
    // The next small files' MD5s are ready before a lane frees up (run/hash-ahead.ts).
    if (running > 0) hashAhead(ctx, line.waiting(), concurrency)
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
    emitter.emit('upload-paused', { upload: snapshots.of(job), reason })
  }

  function requeue(job: Job): void {
    setStatus(ctx, job, { state: 'queued' })
    line.requeued(job)
    emitter.emit('upload-resumed', { upload: snapshots.of(job) })
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

  const link = watchOutages({
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

  const verbs: Pick<
    Uploader,
    'start' | 'pause' | 'resume' | 'cancel' | 'retry' | 'remove' | 'setOnline'
  > = {
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
  }

  /** For destroy() (after `ctx.lifetime` is aborted): stops every run, hash and probe. */
  function dispose(): void {
    for (const job of jobs.values()) {
      halt(job, PAUSE_REASON)
      stopHashing(job)
    }
    link.dispose()
  }

  return { pumpFiles, pauseJob, verbs, dispose, added: line.added }
}
