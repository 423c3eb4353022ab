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
 * Immutable snapshots of the engine's state, rebuilt only for jobs that changed. State
 * changes are published in the next microtask, progress at most every `intervalMs`, so
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

  function total(uploads: readonly UploadSnapshot[]): TotalProgress {
    let bytes = 0
    let size = 0
    let speed = 0
    for (const upload of uploads) {
      if (upload.status.state === 'canceled') continue
      bytes += upload.bytesUploaded
      size += upload.file.size
      speed += upload.speed
    }
    const view = deriveProgress(bytes, size, speed)
    const allDone =
      uploads.some((u) => u.status.state === 'done') &&
      uploads.every((u) => ['done', 'canceled'].includes(u.status.state))
    return allDone ? { ...view, progress: 1 } : view
  }

  function snapshot(): UploaderSnapshot {
    if (!current) {
      const uploads = [...jobs.values()].map(of)
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
      current = undefined
      if (kind === 'state') {
        if (!microtaskQueued) {
          microtaskQueued = true
          queueMicrotask(flush)
        }
      } else {
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
      current = undefined
      queueMicrotask(flush)
    },
    /** Something outside the jobs changed (online state, uploads in other tabs). */
    touch(): void {
      current = undefined
      if (!microtaskQueued) {
        microtaskQueued = true
        queueMicrotask(flush)
      }
    },
    dispose(): void {
      cancelTimer?.()
      cancelTimer = undefined
      listeners.clear()
    },
  }
}
