/**
 * The waiting line (src/core/uploader/waiting-line.ts): generated runs of adds, starts, state
 * changes and removals check that it hands out exactly the queued jobs without a run, in the
 * order they were added, through compactions. Its cost through the uploader:
 * many-uploads-cost.test.ts.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createJob, type Job } from '../../src/core/run/job'
import type { UploadStatus } from '../../src/core/status/upload-state'
import { createWaitingLine } from '../../src/core/uploader/waiting-line'

const jobOf = (index: number) =>
  createJob(
    `u${index}`,
    new Blob(),
    { name: `f${index}`, size: 1, type: '', lastModified: 0 },
    0,
    false,
  )

/** How a run can end. */
const ends: UploadStatus[] = [
  { state: 'done', result: { size: 1 } },
  { state: 'error', error: undefined as never },
  { state: 'paused', reason: 'user' },
  { state: 'canceled' },
]

type Step =
  | { kind: 'add'; idle: boolean }
  | { kind: 'start'; pick: number }
  | { kind: 'end'; pick: number; state: number }
  | { kind: 'pause' | 'cancel' | 'requeue' | 'remove'; pick: number }
  | { kind: 'walk'; take: number }

const picked = (kind: 'pause' | 'cancel' | 'requeue' | 'remove') =>
  fc.record({ kind: fc.constant(kind), pick: fc.nat() })

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('add' as const), idle: fc.boolean() }), weight: 4 },
  fc.record({ kind: fc.constant('start' as const), pick: fc.nat() }),
  {
    arbitrary: fc.record({ kind: fc.constant('end' as const), pick: fc.nat(), state: fc.nat(3) }),
    weight: 3,
  },
  picked('pause'),
  picked('cancel'),
  { arbitrary: picked('requeue'), weight: 2 },
  picked('remove'),
  { arbitrary: fc.record({ kind: fc.constant('walk' as const), take: fc.nat(5) }), weight: 2 },
)

const final = (job: Job) => job.status.state === 'done' || job.status.state === 'canceled'

describe('waiting line', () => {
  it('hands out the queued jobs without a run, in the order they were added, over generated runs', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 8 }),
        (steps, compactAt) => {
          const jobs = new Map<string, Job>()
          /** Every job ever added, in order: the model. */
          const added: Job[] = []
          const line = createWaitingLine(jobs, compactAt)
          const model = () =>
            added.filter(
              (job) =>
                jobs.get(job.id) === job && job.status.state === 'queued' && job.run === undefined,
            )
          const pick = (n: number) => (added.length === 0 ? undefined : added[n % added.length])
          const begin = (job: Job) => {
            const controller = new AbortController()
            job.run = { controller, signal: controller.signal }
            job.status = { state: 'preparing' }
          }
          for (const s of steps) {
            const job = 'pick' in s ? pick(s.pick) : undefined
            if (s.kind === 'add') {
              const created = jobOf(added.length)
              if (s.idle) created.status = { state: 'idle' }
              added.push(created)
              jobs.set(created.id, created)
              line.added(created)
            } else if (!job) {
              // Nothing to pick yet.
            } else if (s.kind === 'start') {
              if (job.status.state === 'queued' && !job.run) begin(job)
            } else if (s.kind === 'end') {
              if (job.run) {
                job.run = undefined
                job.status = ends[s.state]!
              }
            } else if (s.kind === 'pause') {
              if (job.status.state === 'queued' && !job.run)
                job.status = { state: 'paused', reason: 'user' }
            } else if (s.kind === 'cancel') {
              if (!final(job)) {
                job.run = undefined
                job.status = { state: 'canceled' }
              }
            } else if (s.kind === 'requeue') {
              // As the file queue does: a job that can start again, never a finished one.
              const { state } = job.status
              if (!job.run && (state === 'paused' || state === 'error' || state === 'idle')) {
                job.status = { state: 'queued' }
                line.requeued(job)
              }
            } else if (s.kind === 'remove') {
              jobs.delete(job.id)
            }
            if (s.kind === 'walk') {
              // A pump: starts the first `take` waiting jobs while walking.
              let taken = 0
              for (const waiting of line.waiting()) {
                if (taken++ >= s.take) break
                begin(waiting)
              }
            }
            expect([...line.waiting()]).toEqual(model())
          }
        },
      ),
      { numRuns: 300, seed: 4242 },
    )
  })
})
