/**
 * What the tab guard publishes, and what it costs: only uploads that took a cross-tab key
 * are ever told to other tabs, so a folder of small files (which take none) costs no walk
 * over every job on every change.
 */
import { describe, expect, it } from 'vitest'
import { createTabGuard } from '../../src/core/pauses/cross-tab-guard'
import { createJob, type Job } from '../../src/core/run/job'
import type { TabUploadSummary } from '../../src/core'
import { FakeClock } from '../fakes/fake-clock'

/** `count` jobs whose status reads are counted. */
function countedJobs(count: number) {
  let reads = 0
  const jobs = new Map<string, Job>()
  for (let i = 0; i < count; i++) {
    const file = new Blob([new Uint8Array(10)])
    const job = createJob(
      `j${i}`,
      file,
      { name: `f${i}`, size: 10, type: '', lastModified: 1 },
      0,
      false,
    )
    let status = job.status
    Object.defineProperty(job, 'status', {
      get: () => {
        reads++
        return status
      },
      set: (next) => (status = next),
    })
    jobs.set(job.id, job)
  }
  return { jobs, reads: () => reads }
}

function guardOver(jobs: Map<string, Job>, clock: FakeClock) {
  const published: (readonly TabUploadSummary[])[] = []
  const guard = createTabGuard({
    clock,
    locks: undefined,
    peers: { publish: (list) => published.push(list), subscribe: () => () => undefined },
    jobs,
    setStatus: (job, status) => (job.status = status),
    emit: () => undefined,
    snapshot: (job) => ({ bytesUploaded: job.counts.acked }) as never,
    changed: () => undefined,
    touch: () => undefined,
  })
  return { guard, published }
}

describe('tab guard: publish', () => {
  it('walks no job while none took a key, and still tells the others there is nothing', () => {
    const clock = new FakeClock()
    const { jobs, reads } = countedJobs(2000)
    const { guard, published } = guardOver(jobs, clock)
    for (let i = 0; i < 100; i++) guard.publish()
    // Was 200,000 status reads: every job on every call.
    expect(reads()).toBe(0)
    expect(published).toHaveLength(100)
    expect(published.every((list) => list.length === 0)).toBe(true)
  })

  it('publishes a keyed upload while it runs and for a while once done, then walks nothing again', async () => {
    const clock = new FakeClock()
    const { jobs, reads } = countedJobs(50)
    const { guard, published } = guardOver(jobs, clock)
    const job = jobs.get('j7')!
    const controller = new AbortController()
    job.run = { controller, signal: controller.signal }
    job.status = { state: 'uploading', retrying: false }
    await guard.claim(job, 'key-7', controller.signal)
    expect(published.at(-1)).toEqual([
      { key: 'key-7', name: 'f7', size: 10, bytesUploaded: 0, state: 'uploading' },
    ])
    job.status = { state: 'done', result: { size: 10 } }
    job.stats.finishedAt = clock.now()
    job.counts.acked = 10
    guard.publish()
    expect(published.at(-1)).toEqual([
      { key: 'key-7', name: 'f7', size: 10, bytesUploaded: 10, state: 'done' },
    ])
    // Told about for 10 s after it finished; after that it is dropped for good.
    await clock.advance(10_001)
    guard.publish()
    expect(published.at(-1)).toEqual([])
    const before = reads()
    for (let i = 0; i < 10; i++) guard.publish()
    expect(reads()).toBe(before)
  })
})
