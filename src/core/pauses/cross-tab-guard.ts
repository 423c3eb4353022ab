import type { Emitter } from '../uploader/emitter'
import { abortError, linkedAbort, UploadError } from '../errors'
import type { Job } from '../run/job'
import type { UploadEvents, UploadSnapshot, UploadStatus } from '../status/upload-state'
import type { Clock, TabLocks, TabPeers, TabUpload, TabUploadSummary } from '../types'
import { sleep } from '../scheduling/clock'
import { isPublished, isWaitingElsewhere } from '../status/status-machine'

/** How long a tab that took over waits for the last word of the tab it waited for. */
const FINISHED_GRACE_MS = 1500
/** How long a finished upload stays in this tab's summaries (so the others hear of it). */
const DONE_PUBLISHED_MS = 10_000

interface TabGuardDeps {
  readonly clock: Clock
  readonly locks: TabLocks | undefined
  readonly peers: TabPeers | undefined
  readonly jobs: ReadonlyMap<string, Job>
  readonly setStatus: (job: Job, status: UploadStatus) => void
  readonly emit: Emitter<UploadEvents>['emit']
  readonly snapshot: (job: Job) => UploadSnapshot
  readonly changed: (job: Job, kind: 'state' | 'progress') => void
  /** The uploader snapshot changed outside any job (the list of uploads elsewhere). */
  readonly touch: () => void
}

/** The engine's side of cross-tab safety: the lock per upload and the summaries shared. */
export interface TabGuard {
  /**
   * Takes the cross-tab lock on `key` for the job's current run before it sends anything.
   * While another tab holds it the job is paused with reason 'elsewhere' and shows that
   * tab's progress; when the lock frees up, the job goes on (`waited`: it took over).
   */
  claim(job: Job, key: string, signal: AbortSignal): Promise<{ waited: boolean }>
  /** The uploads other tabs run, as last heard. */
  elsewhere(): readonly TabUpload[]
  /**
   * Whether another tab finished this upload. A tab that finishes forgets its record and
   * then frees the lock, and its last summary may arrive just after: so this waits for it
   * up to `graceMs` (only with a peers channel).
   */
  finishedElsewhere(key: string, signal: AbortSignal): Promise<boolean>
  /** Tells the other tabs what this one is sending now (the channel throttles). */
  publish(): void
  dispose(): void
}

export function createTabGuard(deps: TabGuardDeps): TabGuard {
  const { locks, peers, jobs } = deps
  let others: readonly TabUpload[] = []
  const finished = new Map<string, TabUpload>()
  let unavailable = false

  const waiting = (job: Job) => isWaitingElsewhere(job.status)

  /** The waiting job's bar follows the other tab's bytes (never backwards, never past the size). */
  function showElsewhere(job: Job): void {
    let bytes = 0
    for (const upload of others)
      if (upload.key === job.key) bytes = Math.max(bytes, upload.bytesUploaded)
    const shown = Math.min(job.info.size, bytes)
    if (shown <= job.counts.shown) return
    job.counts.shown = shown
    deps.changed(job, 'progress')
  }

  /**
   * Jobs that took a key (`claim`), in the order they first did: only those are ever
   * published, and a publish walks only them. Small files take none, so a folder of them costs
   * no walk over every job on every change, even beside a big file that holds a key.
   */
  const keyed = new Set<Job>()

  const finishWaiters = new Set<() => void>()
  const off = peers?.subscribe((list) => {
    others = list
    for (const upload of list) if (upload.state === 'done') finished.set(upload.key, upload)
    for (const wake of [...finishWaiters]) wake()
    // Only a job that took a key can wait for another tab.
    for (const job of keyed) if (jobs.get(job.id) === job && waiting(job)) showElsewhere(job)
    deps.touch()
  })

  function publish(): void {
    if (!peers) return
    const list: TabUploadSummary[] = []
    for (const job of keyed) {
      const { state } = job.status
      // One removed, or finished and no longer told about: it will not be published again.
      const gone =
        jobs.get(job.id) !== job ||
        (state === 'done' && deps.clock.now() - (job.stats.finishedAt ?? 0) > DONE_PUBLISHED_MS)
      if (gone) {
        keyed.delete(job)
        continue
      }
      if (!job.key || !isPublished(state)) continue
      // Only what this tab really sends (or finished): never an upload waiting for the lock.
      if (state !== 'done' && !job.run?.release) continue
      list.push({
        key: job.key,
        name: job.info.name,
        size: job.info.size,
        bytesUploaded: deps.snapshot(job).bytesUploaded,
        state: state as TabUploadSummary['state'],
      })
    }
    peers.publish(list)
  }

  async function lockFor(
    job: Job,
    key: string,
    signal: AbortSignal,
  ): Promise<{ release: (() => void) | undefined; waited: boolean }> {
    if (!locks || unavailable) return { release: undefined, waited: false }
    try {
      const release = await locks.tryLock(key)
      if (release) return { release, waited: false }
      deps.setStatus(job, { state: 'paused', reason: 'elsewhere' })
      deps.emit('upload-paused', { upload: deps.snapshot(job), reason: 'elsewhere' })
      showElsewhere(job)
      return { release: await locks.lock(key, signal), waited: true }
    } catch (error) {
      if (!(error instanceof UploadError && error.code === 'cross-tab-unavailable')) throw error
      // No Web Locks: uploads go on without cross-tab safety, and the app hears it once.
      unavailable = true
      deps.emit('warning', { error })
      return { release: undefined, waited: false }
    }
  }

  return {
    async claim(job, key, signal) {
      job.key = key
      keyed.add(job)
      const run = job.run
      if (run?.release) return { waited: false }
      const { release, waited } = await lockFor(job, key, signal)
      let released = false
      const free = () => {
        if (released) return
        released = true
        release?.()
      }
      if (signal.aborted || !run || job.run !== run) {
        free()
        throw abortError(signal)
      }
      run.release = free
      if (waited) {
        deps.setStatus(job, { state: 'preparing' })
        deps.emit('upload-resumed', { upload: deps.snapshot(job) })
      }
      publish()
      return { waited }
    },
    elsewhere: () => others,
    async finishedElsewhere(key, signal) {
      if (finished.has(key) || !peers) return finished.has(key)
      const grace = linkedAbort(signal)
      const wake = () => {
        if (finished.has(key)) grace.controller.abort()
      }
      finishWaiters.add(wake)
      try {
        await sleep(deps.clock, FINISHED_GRACE_MS, grace.signal)
      } catch {
        // Woken early: by the summary we waited for, or by the run's abort (checked below).
      } finally {
        finishWaiters.delete(wake)
        grace.unlink()
      }
      if (signal.aborted) throw abortError(signal)
      return finished.has(key)
    },
    publish,
    dispose() {
      off?.()
      others = []
      peers?.publish([])
    },
  }
}
