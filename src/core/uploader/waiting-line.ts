/**
 * The jobs waiting to start (queued, no run), in the order they were added, found without a
 * walk over every job ever added. The line keeps where its first waiting job is, so the file
 * queue's pump, the small files prepared ahead and hash-ahead cost what waits near the front,
 * not what already finished before it: with 20,000 small files, one walk over every job per
 * finished file was most of the run.
 */
import type { Job } from '../run/job'
import type { UploadStatus } from '../status/upload-state'

/** Jobs passed before the line drops the finished ones from its front. */
const COMPACT_FROM = 4096

/** States a job never leaves: the line may forget it. */
const finalState = (status: UploadStatus) => status.state === 'done' || status.state === 'canceled'

export interface WaitingLine {
  /** A new job joins at the back. */
  added(job: Job): void
  /**
   * A job went back to queued (start, resume, retry, back online): the next walk starts from
   * the first job again, so it keeps its place among the others.
   */
  requeued(): void
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
  let line: Job[] = []
  /** No job before this index in `line` waits. */
  let front = 0
  let compactFrom = compactAt

  const present = (job: Job) => jobs.get(job.id) === job
  const waits = (job: Job) => present(job) && job.status.state === 'queued' && !job.run

  /** Drops the removed and finished jobs before the front; paused or failed ones may return. */
  function compact(): void {
    const kept = line.slice(0, front).filter((job) => present(job) && !finalState(job.status))
    line = kept.concat(line.slice(front))
    front = kept.length
    // Many paused jobs kept at the front must not make every step compact again.
    compactFrom = Math.max(compactAt, 2 * front)
  }

  return {
    added(job) {
      line.push(job)
    },
    requeued() {
      front = 0
    },
    *waiting() {
      while (front < line.length && !waits(line[front]!)) front++
      if (front >= compactFrom && front * 2 >= line.length) compact()
      for (let at = front; at < line.length; at++) {
        const job = line[at]!
        if (waits(job)) yield job
      }
    },
  }
}
