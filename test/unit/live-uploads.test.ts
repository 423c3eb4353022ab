/**
 * The live uploads `add` checks against (src/core/uploader/live-uploads.ts), kept up to date
 * on every state change: generated runs of adds, state changes (with the allowed
 * transitions), a `beforeUpload` that swaps the file's size, and removals check its counts
 * and duplicate answers against a recompute from every upload, as `add` used to do.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createJob, type Job } from '../../src/core/run/job'
import { isLive, TRANSITIONS } from '../../src/core/status/status-machine'
import type { UploadState, UploadStatus } from '../../src/core/status/upload-state'
import { createDuplicateIndex } from '../../src/core/uploader/input-checks'
import { createLiveUploads } from '../../src/core/uploader/live-uploads'

const statusOf = (state: UploadState): UploadStatus =>
  (
    ({
      idle: { state: 'idle' },
      queued: { state: 'queued' },
      preparing: { state: 'preparing' },
      hashing: { state: 'hashing' },
      uploading: { state: 'uploading', retrying: false },
      completing: { state: 'completing' },
      paused: { state: 'paused', reason: 'user' },
      done: { state: 'done', result: { size: 1 } },
      error: { state: 'error', error: undefined as never },
      canceled: { state: 'canceled' },
    }) satisfies Record<UploadState, UploadStatus>
  )[state]

type Step =
  | { kind: 'add'; name: number; size: number; same: boolean }
  | { kind: 'move'; pick: number; to: number }
  | { kind: 'resize'; pick: number; size: number }
  | { kind: 'remove'; pick: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      name: fc.nat(6),
      size: fc.nat(50),
      same: fc.boolean(),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), to: fc.nat() }),
    weight: 4,
  },
  fc.record({ kind: fc.constant('resize' as const), pick: fc.nat(), size: fc.nat(50) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
)

describe('live uploads', () => {
  it('count and hold what a recompute from every upload says, over generated runs', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), (steps) => {
        const jobs = new Map<string, Job>()
        const added: Job[] = []
        const files: File[] = []
        const live = createLiveUploads(jobs)
        let next = 0
        for (const s of steps) {
          const job = 'pick' in s && added.length > 0 ? added[s.pick % added.length] : undefined
          if (s.kind === 'add') {
            // The same File object again, or a new one described like an earlier file.
            const file =
              s.same && files.length > 0
                ? files[s.name % files.length]!
                : new File([new Uint8Array(s.size)], `f${s.name}`, { lastModified: 1 })
            files.push(file)
            const info = { name: file.name, size: file.size, type: '', lastModified: 1 }
            const created = createJob(`u${++next}`, file, info, 0, false)
            added.push(created)
            jobs.set(created.id, created)
            live.sync(created)
          } else if (!job) {
            // Nothing to pick yet.
          } else if (s.kind === 'move') {
            const allowed = TRANSITIONS[job.status.state]
            if (allowed.length > 0) {
              job.status = statusOf(allowed[s.to % allowed.length]!)
              live.sync(job)
            }
          } else if (s.kind === 'resize') {
            // `beforeUpload` handed back another file: a state change follows.
            job.info = { ...job.info, size: s.size }
            live.sync(job)
          } else if (jobs.get(job.id) === job) {
            // remove(): canceled first, then forgotten.
            if (isLive(job.status.state)) {
              job.status = statusOf('canceled')
              live.sync(job)
            }
            jobs.delete(job.id)
          }
          const everyLive = [...jobs.values()].filter((j) => isLive(j.status.state))
          expect(live.counted).toEqual({
            files: everyLive.length,
            bytes: everyLive.reduce((sum, j) => sum + j.info.size, 0),
          })
          const rebuilt = createDuplicateIndex(
            everyLive
              .filter((j) => j.status.state !== 'error')
              .map((j) => ({ file: j.added.file, info: j.added.info })),
          )
          for (const file of files) {
            const info = { name: file.name, size: file.size, type: '', lastModified: 1 }
            expect(live.holds(file, info)).toBe(rebuilt.has(file, info))
          }
        }
      }),
      { numRuns: 300, seed: 77 },
    )
  })
})
