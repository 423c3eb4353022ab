/**
 * The engine's snapshots (src/core/status/snapshots.ts): the uploads list and its totals are
 * kept up to date entry by entry. Generated runs of adds, state and progress changes and
 * removals check the list and totals against a recompute from the jobs after every flush; a
 * cost bound checks that a flush reads what changed, not every upload.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createJob, type Job } from '../../src/core/run/job'
import { ackRequest, deriveProgress, reportLoaded } from '../../src/core/status/progress'
import { BUSY_LIST_MS, createSnapshots, LARGE_LIST } from '../../src/core/status/snapshots'
import type { UploaderSnapshot, UploadStatus } from '../../src/core/status/upload-state'
import { FakeClock } from '../fakes/fake-clock'

/** A Map that counts the entries its iterators hand out. */
class CountingMap<K, V> extends Map<K, V> {
  read = 0
  override values(): MapIterator<V> {
    const inner = super.values()
    const counted = (step: IteratorResult<V>) => {
      if (!step.done) this.read++
      return step
    }
    return {
      next: () => counted(inner.next()),
      [Symbol.iterator]() {
        return this
      },
    } as MapIterator<V>
  }
}

function rig() {
  const clock = new FakeClock()
  const jobs = new CountingMap<string, Job>()
  const snapshots = createSnapshots({
    jobs,
    clock,
    online: { value: true },
    elsewhere: () => [],
    activeRequests: () => 0,
    intervalMs: 100,
    emit: () => undefined,
  })
  let latest: UploaderSnapshot | undefined
  snapshots.subscribe((next) => {
    latest = next
  })
  // State changes publish in a microtask, progress within the interval.
  const flush = () => clock.advance(100)
  return { clock, jobs, snapshots, flush, latest: () => latest }
}

const fileInfo = (size: number, index: number) => ({
  name: `f${index}.bin`,
  size,
  type: 'application/octet-stream',
  lastModified: 0,
})

const statuses: UploadStatus[] = [
  { state: 'queued' },
  { state: 'uploading', retrying: false },
  { state: 'done', result: { size: 0 } },
  { state: 'canceled' },
  { state: 'paused', reason: 'user' },
]

/** What the list and totals must be: every job's snapshot in order, summed as documented. */
function expected(jobs: Map<string, Job>, snapshots: ReturnType<typeof createSnapshots>) {
  const uploads = [...jobs.values()].map((job) => snapshots.of(job))
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
    uploads.every((u) => u.status.state === 'done' || u.status.state === 'canceled')
  return { uploads, total: allDone ? { ...view, progress: 1 } : view }
}

type Step =
  | { kind: 'add'; size: number }
  | { kind: 'state'; pick: number; status: number }
  | { kind: 'progress'; pick: number; loaded: number }
  | { kind: 'remove'; pick: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), size: fc.integer({ min: 0, max: 5000 }) }),
  fc.record({
    kind: fc.constant('state' as const),
    pick: fc.nat(),
    status: fc.integer({ min: 0, max: statuses.length - 1 }),
  }),
  fc.record({ kind: fc.constant('progress' as const), pick: fc.nat(), loaded: fc.nat(5000) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
)

describe('engine snapshots', () => {
  it('keep the uploads list and totals equal to a recompute, over generated runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 25 }),
        async (batches) => {
          const { jobs, snapshots, flush, latest } = rig()
          let added = 0
          for (const batch of batches) {
            for (const s of batch) {
              const all = [...Map.prototype.values.call(jobs)] as Job[]
              const job = all.length > 0 ? all[('pick' in s ? s.pick : 0) % all.length] : undefined
              if (s.kind === 'add') {
                const created = createJob(
                  `u${++added}`,
                  new Blob(),
                  fileInfo(s.size, added),
                  0,
                  false,
                )
                jobs.set(created.id, created)
                snapshots.changed(created, 'state')
              } else if (job && s.kind === 'state') {
                job.status = statuses[s.status]
                snapshots.changed(job, 'state')
              } else if (job && s.kind === 'progress') {
                const loaded = Math.min(job.info.size, s.loaded)
                if (loaded === job.info.size) ackRequest(job.counts, 0, loaded)
                else reportLoaded(job.counts, 0, loaded)
                snapshots.changed(job, 'progress')
              } else if (job && s.kind === 'remove') {
                jobs.delete(job.id)
                snapshots.forget(job.id)
              }
            }
            await flush()
            const want = expected(jobs, snapshots)
            const got = snapshots.current()
            expect(got.uploads).toEqual(want.uploads)
            expect(got.uploads.map((u) => u.id)).toEqual([...jobs.keys()])
            expect(got.total).toEqual(want.total)
            if (jobs.size > 0 || latest()) expect(latest()).toBe(got)
          }
        },
      ),
      { numRuns: 150, seed: 1604 },
    )
  })

  it('a flush after one upload changed reads that upload, not all of them', async () => {
    const { jobs, snapshots, flush } = rig()
    const count = 2000
    for (let i = 0; i < count; i++) {
      const job = createJob(`u${i}`, new Blob(), fileInfo(100, i), 0, false)
      jobs.set(job.id, job)
      snapshots.changed(job, 'state')
    }
    await flush()
    const before = jobs.read
    // Each upload finishing on its own, one flush each, as a thousand small files do.
    for (const job of [...Map.prototype.values.call(jobs)] as Job[]) {
      job.status = { state: 'done', result: { size: 100 } }
      snapshots.changed(job, 'state')
      await flush()
    }
    // Rebuilding the list on every flush would read count × count entries.
    expect(jobs.read - before).toBeLessThan(count * 4)
    const last = snapshots.current()
    expect(last.total.progress).toBe(1)
    expect(last.uploads.every((u) => u.status.state === 'done')).toBe(true)
  })

  it('publishes state changes of a large list at most once a frame, of a small one at once', async () => {
    const publishes = async (count: number) => {
      const { clock, jobs, snapshots } = rig()
      let published = 0
      let latest: UploaderSnapshot | undefined
      snapshots.subscribe((next) => {
        published++
        latest = next
      })
      for (let i = 0; i < count; i++) {
        const job = createJob(`u${i}`, new Blob(), fileInfo(100, i), 0, false)
        jobs.set(job.id, job)
        snapshots.changed(job, 'state')
      }
      await clock.advance(BUSY_LIST_MS)
      const before = published
      // 100 uploads finishing one by one, each in its own turn, within one frame.
      const finishing = ([...Map.prototype.values.call(jobs)] as Job[]).slice(0, 100)
      for (const job of finishing) {
        job.status = { state: 'done', result: { size: 100 } }
        snapshots.changed(job, 'state')
        await Promise.resolve()
        await Promise.resolve()
      }
      const withinFrame = published - before
      // Nothing is lost: the next frame publishes every change.
      await clock.advance(BUSY_LIST_MS)
      const done = latest!.uploads.filter((u) => u.status.state === 'done').length
      return { withinFrame, done, total: published - before }
    }
    const small = await publishes(LARGE_LIST)
    expect(small).toEqual({ withinFrame: 100, done: 100, total: 100 })
    const large = await publishes(LARGE_LIST + 1)
    // The first change after a quiet frame goes at once; the other 99 wait for the next frame
    // (was 100 publishes: one copy of the 1,001-entry list per finished upload).
    expect(large).toEqual({ withinFrame: 1, done: 100, total: 2 })
  })
})
