import type { Job } from '../run/job'
import { deriveProgress, rawBytes, shownBytes, updateRate } from './progress'
import type { TotalProgress, UploadEvents, UploaderSnapshot, UploadSnapshot } from './upload-state'
import type { Clock } from '../types'

interface SnapshotDeps {
  readonly jobs: ReadonlyMap<string, Job>
  readonly clock: Clock
  readonly online: { readonly value: boolean }
  readonly elsewhere: () => UploaderSnapshot['elsewhere']
  readonly activeRequests: () => number
  readonly intervalMs: number
  readonly emit: <K extends keyof UploadEvents>(event: K, payload: UploadEvents[K]) => void
}

/**
 * Above this many uploads a state change is not published on its own: each publish copies
 * the list, so 20,000 small files finishing one by one would copy it hundreds of thousands
 * of times. Publishes then come at most every {@link BUSY_LIST_MS}, with every change since.
 */
export const LARGE_LIST = 1000
/** At most one publish per frame for a large list. */
export const BUSY_LIST_MS = 16

/**
 * Immutable snapshots of the engine's state, rebuilt only for jobs that changed. State
 * changes are published in the next microtask (a list of more than {@link LARGE_LIST}
 * uploads: at most every {@link BUSY_LIST_MS}), progress at most every `intervalMs`, so
 * a fast stream of progress events costs one notification per interval.
 */
export function createSnapshots(deps: SnapshotDeps) {
  const { jobs, clock } = deps
  const cache = new Map<string, UploadSnapshot>()
  const dirty = new Set<string>()
  const progressed = new Set<string>()
  const listeners = new Set<(snapshot: UploaderSnapshot) => void>()
  let current: UploaderSnapshot | undefined
  let microtaskQueued = false
  let cancelTimer: (() => void) | undefined
  /** A large list's next publish, waiting for its frame. */
  let cancelFrame: (() => void) | undefined
  let lastFlushAt = -Infinity

  /** Publishes a state change: in the next microtask, or a large list in its next frame. */
  function soon(): void {
    if (microtaskQueued || cancelFrame) return
    const wait = jobs.size > LARGE_LIST ? lastFlushAt + BUSY_LIST_MS - clock.now() : 0
    if (wait > 0) {
      cancelFrame = clock.setTimeout(flush, wait)
      return
    }
    microtaskQueued = true
    queueMicrotask(flush)
  }

  function build(job: Job): UploadSnapshot {
    const now = clock.now()
    const shown = shownBytes(job.counts, job.info.size)
    const sending = job.status.state === 'uploading'
    // Speed follows bytes on the wire, re-sent ones included, so retries don't read as stalls.
    job.rate = sending
      ? updateRate(job.rate, rawBytes(job.counts) + job.counts.resent, now)
      : undefined
    const view = deriveProgress(shown, job.info.size, job.rate?.speed ?? 0)
    return {
      id: job.id,
      file: job.info,
      status: job.status,
      bytesUploaded: view.bytesUploaded,
      // An empty file has no bytes to count: it is at 100 % once done.
      progress: job.status.state === 'done' ? 1 : view.progress,
      speed: view.speed,
      eta: view.eta,
      hash: job.hash.status,
      retries: job.stats.retries,
      bytesResent: job.counts.resent,
      resumed: job.stats.resumed,
      restarted: job.stats.restarted,
      addedAt: job.stats.addedAt,
      startedAt: job.stats.startedAt,
      finishedAt: job.stats.finishedAt,
    }
  }

  function of(job: Job): UploadSnapshot {
    let snapshot = cache.get(job.id)
    if (!snapshot || dirty.has(job.id)) {
      snapshot = build(job)
      cache.set(job.id, snapshot)
      dirty.delete(job.id)
    }
    return snapshot
  }

  /**
   * The uploads list and its totals, kept up to date entry by entry: a flush costs what
   * changed since the last one (plus a copy of the list), not a pass over every upload, so
   * a thousand small files finishing one by one do not cost a million snapshot reads.
   */
  let list: UploadSnapshot[] | undefined
  const position = new Map<string, number>()
  /** Jobs changed since `list` was built; `list` is rebuilt whole when membership changed. */
  const stale = new Set<string>()
  let membershipChanged = true
  const sums = { bytes: 0, size: 0, done: 0, ended: 0 }
  /** Uploads whose snapshot has a speed: the few on the wire, summed afresh each time. */
  const moving = new Map<string, number>()

  function count(upload: UploadSnapshot, sign: 1 | -1): void {
    const { state } = upload.status
    if (state === 'canceled') {
      sums.ended += sign
      return
    }
    sums.bytes += sign * upload.bytesUploaded
    sums.size += sign * upload.file.size
    if (state === 'done') {
      sums.done += sign
      sums.ended += sign
    }
  }

  function setMoving(upload: UploadSnapshot): void {
    if (upload.speed !== 0 && upload.status.state !== 'canceled')
      moving.set(upload.id, upload.speed)
    else moving.delete(upload.id)
  }

  function uploadsList(): UploadSnapshot[] {
    if (!list || membershipChanged || list.length !== jobs.size) {
      list = []
      position.clear()
      moving.clear()
      sums.bytes = sums.size = sums.done = sums.ended = 0
      for (const job of jobs.values()) {
        const upload = of(job)
        position.set(job.id, list.length)
        list.push(upload)
        count(upload, 1)
        setMoving(upload)
      }
    } else if (stale.size > 0) {
      list = list.slice()
      for (const id of stale) {
        const at = position.get(id)
        const job = jobs.get(id)
        if (at === undefined || !job) continue
        const upload = of(job)
        if (upload === list[at]) continue
        count(list[at], -1)
        count(upload, 1)
        setMoving(upload)
        list[at] = upload
      }
    }
    stale.clear()
    membershipChanged = false
    return list
  }

  function total(uploads: readonly UploadSnapshot[]): TotalProgress {
    let speed = 0
    for (const value of moving.values()) speed += value
    const view = deriveProgress(sums.bytes, sums.size, speed)
    const allDone = sums.done > 0 && sums.ended === uploads.length
    return allDone ? { ...view, progress: 1 } : view
  }

  function snapshot(): UploaderSnapshot {
    if (!current) {
      const uploads = uploadsList()
      current = {
        uploads,
        total: total(uploads),
        online: deps.online.value,
        activeRequests: deps.activeRequests(),
        elsewhere: deps.elsewhere(),
      }
    }
    return current
  }

  function flush(): void {
    microtaskQueued = false
    cancelTimer?.()
    cancelTimer = undefined
    cancelFrame?.()
    cancelFrame = undefined
    lastFlushAt = clock.now()
    current = undefined
    const next = snapshot()
    for (const id of progressed) {
      const job = jobs.get(id)
      if (job) deps.emit('upload-progress', { upload: of(job) })
    }
    progressed.clear()
    for (const listener of [...listeners]) listener(next)
  }

  return {
    changed(job: Job, kind: 'state' | 'progress'): void {
      dirty.add(job.id)
      stale.add(job.id)
      current = undefined
      if (kind === 'state') soon()
      else {
        progressed.add(job.id)
        cancelTimer ??= clock.setTimeout(flush, deps.intervalMs)
      }
    },
    of,
    current: snapshot,
    subscribe(listener: (snapshot: UploaderSnapshot) => void): () => void {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    forget(id: string): void {
      cache.delete(id)
      dirty.delete(id)
      membershipChanged = true
      current = undefined
      soon()
    },
    /** Something outside the jobs changed (online state, uploads in other tabs). */
    touch(): void {
      current = undefined
      soon()
    },
    dispose(): void {
      cancelTimer?.()
      cancelTimer = undefined
      cancelFrame?.()
      cancelFrame = undefined
      listeners.clear()
    },
  }
}
