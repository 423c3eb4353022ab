/**
 * The jobs waiting to start (queued, no run), in the order they were added, found without a
 * walk over every job ever added. The line holds only jobs that were ever queued (a job
 * added idle joins it when it is first started) and keeps where its first waiting job is,
 * so the file queue's pump, the small files prepared ahead and hash-ahead cost what waits
 * near the front, not what already finished before it nor what was never started: with
 * 20,000 small files, one walk over every job per finished file was most of the run.
 */
import type { Job } from '../run/job'
import type { UploadStatus } from '../status/upload-state'

/** Jobs passed before the line drops the finished ones from its front. */
const COMPACT_FROM = 4096
/**
 * Finished or removed jobs a walk passed behind its front (jobs started out of order finish
 * there) at which the next walk drops them all first, when they are half the line or more:
 * the drop then costs no more than the walk that found them.
 */
const TAIL_COMPACT_FROM = 32

/** States a job never leaves: the line may forget it. */
const finalState = (status: UploadStatus) => status.state === 'done' || status.state === 'canceled'

export interface WaitingLine {
  /** A new job: it joins at the back, or, added idle, once it is first started. */
  added(job: Job): void
  /**
   * `job` went back to queued (start, resume, retry, back online): it takes its place in
   * the order of adds, and the next walk starts there rather than at the first job.
   */
  requeued(job: Job): void
  /**
   * The waiting jobs from the front, in the order they were added. Starting a job while
   * walking is fine: it stops waiting and is passed.
   */
  waiting(): Generator<Job, void, undefined>
}

/** `compactAt`: jobs passed before the first compaction (tests lower it). */
export function createWaitingLine(
  jobs: ReadonlyMap<string, Job>,
  compactAt = COMPACT_FROM,
): WaitingLine {
  /** The jobs ever queued, in the order they were added. */
  let line: Job[] = []
  /** Each job's place in the order of adds. */
  const order = new WeakMap<Job, number>()
  let adds = 0
  /** No job before this index in `line` waits. */
  let front = 0
  let compactFrom = compactAt
  const tailCompactFrom = Math.min(compactAt, TAIL_COMPACT_FROM)
  /** Finished or removed jobs the last walk passed after the front. */
  let deadPassed = 0

  const present = (job: Job) => jobs.get(job.id) === job
  const waits = (job: Job) => present(job) && job.status.state === 'queued' && !job.run
  const alive = (job: Job) => present(job) && !finalState(job.status)

  /** The index in `line` of the first job added at or after `place`. */
  function indexOf(place: number): number {
    let low = 0
    let high = line.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (order.get(line[middle]!)! < place) low = middle + 1
      else high = middle
    }
    return low
  }

  /**
   * Drops the removed and finished jobs before the front, or everywhere (`all`); paused or
   * failed ones may return.
   */
  function compact(all: boolean): void {
    const kept = line.slice(0, front).filter(alive)
    const rest = line.slice(front)
    line = kept.concat(all ? rest.filter(alive) : rest)
    front = kept.length
    // Many paused jobs kept at the front must not make every step compact again.
    compactFrom = Math.max(compactAt, 2 * front)
  }

  return {
    added(job) {
      order.set(job, adds++)
      if (job.status.state !== 'idle') line.push(job)
    },
    requeued(job) {
      const place = order.get(job)
      if (place === undefined) return
      const at = indexOf(place)
      // First started after an idle add (or dropped while final): it joins in its place.
      if (line[at] !== job) line.splice(at, 0, job)
      front = Math.min(front, at)
    },
    *waiting() {
      if (deadPassed >= tailCompactFrom && deadPassed * 2 >= line.length) compact(true)
      deadPassed = 0
      while (front < line.length && !waits(line[front]!)) front++
      if (front >= compactFrom && front * 2 >= line.length) compact(false)
      for (let at = front; at < line.length; at++) {
        const job = line[at]!
        if (waits(job)) yield job
        else if (!alive(job)) deadPassed++
      }
    },
  }
}
