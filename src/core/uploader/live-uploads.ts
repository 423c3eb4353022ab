/**
 * What `add` checks new files against, kept up to date as uploads change state instead of
 * rebuilt from every upload on each call: how many uploads are live (neither done nor
 * canceled) and their bytes (`maxFiles`, `maxTotalSize`, the `beforeAdd` hook's count), and
 * which files they hold (the duplicate check; a failed upload does not hold its file, so it
 * can be added again and resume). An app that adds files one at a time, for example to give
 * each its own metadata, then pays for each file what it adds, not a pass over every upload:
 * 8,000 such adds took 26 s.
 */
import type { Job } from '../run/job'
import { isLive } from '../status/status-machine'
import { createDuplicateIndex } from './input-checks'
import type { Counted } from './restrictions'
import type { FileInfo } from '../types'

export interface LiveUploads {
  /** Live uploads and their bytes, now (the same object, kept current). */
  readonly counted: Readonly<Counted>
  /** Whether a live upload that has not failed holds this file. */
  holds(file: Blob, info: FileInfo): boolean
  /** Brings `job` up to date: call it when the job is added and whenever its state changes. */
  sync(job: Job): void
}

export function createLiveUploads(jobs: ReadonlyMap<string, Job>): LiveUploads {
  const counted: Counted = { files: 0, bytes: 0 }
  /** Each live upload with the size it is counted with (`beforeUpload` may replace its file). */
  const live = new Map<Job, number>()
  const holding = new Set<Job>()
  const index = createDuplicateIndex()

  return {
    counted,
    holds: (file, info) => index.has(file, info),
    sync(job) {
      const { state } = job.status
      const isIn = jobs.get(job.id) === job && isLive(state)
      const size = live.get(job)
      if (isIn) {
        if (size === undefined) counted.files++
        counted.bytes += job.info.size - (size ?? 0)
        live.set(job, job.info.size)
      } else if (size !== undefined) {
        live.delete(job)
        counted.files--
        counted.bytes -= size
      }
      const holds = isIn && state !== 'error'
      const { file, info } = job.added
      if (holds && !holding.has(job)) {
        holding.add(job)
        index.add(file, info)
      } else if (!holds && holding.delete(job)) {
        index.delete(file, info)
      }
    },
  }
}
