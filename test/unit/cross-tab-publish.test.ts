/**
 * What the tab guard publishes, and what it costs: only uploads that took a cross-tab key
 * are ever told to other tabs, so a folder of small files (which take none) costs no walk
 * over every job on every change.
 */
import { describe, expect, it } from 'vitest'
import { createTabGuard } from '../../src/core/pauses/cross-tab-guard'
import { createJob, type Job } from '../../src/core/run/job'
import type { TabLocks, TabUpload, TabUploadSummary } from '../../src/core'
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

/** A guard over `jobs`; `locks` decides who holds a key, `deliver` receives the other tabs' lists. */
function guardOver(jobs: Map<string, Job>, clock: FakeClock, locks?: TabLocks) {
  const published: (readonly TabUploadSummary[])[] = []
  let deliver: ((list: readonly TabUpload[]) => void) | undefined
  const guard = createTabGuard({
    clock,
    locks,
    peers: {
      publish: (list) => published.push(list),
      subscribe: (listener) => {
        deliver = listener
        return () => undefined
      },
    },
    jobs,
    setStatus: (job, status) => (job.status = status),
    emit: () => undefined,
    snapshot: (job) => ({ bytesUploaded: job.counts.acked }) as never,
    changed: () => undefined,
    touch: () => undefined,
  })
  return { guard, published, deliver: (list: readonly TabUpload[]) => deliver!(list) }
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

  it('walks only the keyed uploads beside a folder of small files, in the order they took keys', async () => {
    const clock = new FakeClock()
    const { jobs, reads } = countedJobs(2000)
    const { guard, published } = guardOver(jobs, clock)
    // A big file and a second one among 2,000 small files: only those two take a key.
    for (const id of ['j1500', 'j3']) {
      const job = jobs.get(id)!
      const controller = new AbortController()
      job.run = { controller, signal: controller.signal }
      job.status = { state: 'uploading', retrying: false }
      await guard.claim(job, `key-${id}`, controller.signal)
    }
    const before = reads()
    for (let i = 0; i < 100; i++) guard.publish()
    // Two keyed jobs, one status read each per publish (was 2,000 per publish).
    expect(reads() - before).toBe(200)
    expect(published.at(-1)!.map((upload) => upload.key)).toEqual(['key-j1500', 'key-j3'])
    // A keyed upload removed from the uploader is no longer told about, nor walked.
    jobs.delete('j3')
    guard.publish()
    expect(published.at(-1)!.map((upload) => upload.key)).toEqual(['key-j1500'])
    const after = reads()
    guard.publish()
    expect(reads() - after).toBe(1)
  })

  it("walks only the keyed uploads when another tab's list arrives, and a waiting one follows it", async () => {
    const clock = new FakeClock()
    const { jobs, reads } = countedJobs(2000)
    // Another tab holds every key.
    const { guard, deliver } = guardOver(jobs, clock, {
      tryLock: async () => undefined,
      lock: (_key, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
    })
    const big = jobs.get('j1200')!
    const controller = new AbortController()
    big.run = { controller, signal: controller.signal }
    big.status = { state: 'preparing' }
    const claimed = guard.claim(big, 'key-big', controller.signal).catch(() => 'aborted')
    await clock.advance(0)
    expect(big.status).toMatchObject({ state: 'paused', reason: 'elsewhere' })
    const other = {
      key: 'key-big',
      name: 'f1200',
      size: 10,
      state: 'uploading',
      tab: 't2',
      seenAt: 0,
    }
    const before = reads()
    for (let i = 1; i <= 100; i++)
      deliver([{ ...other, bytesUploaded: Math.min(10, i) } as TabUpload])
    // One status read per message, for the one job that waits (was 2,000 per message).
    expect(reads() - before).toBe(100)
    expect(big.counts.shown).toBe(10)
    controller.abort()
    expect(await claimed).toBe('aborted')
    guard.dispose()
  })
})
