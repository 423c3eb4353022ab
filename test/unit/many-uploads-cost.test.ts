/**
 * What the uploader costs per file with thousands of uploads, counted rather than timed:
 * status reads of its jobs (through `createJob`). Starting 3,000 small files must not walk
 * every upload per finished file (waiting-line.ts), nor adding 3,000 files one call at a time
 * rebuild the live counts and duplicate index from every upload per call (live-uploads.ts).
 */
import { describe, expect, it, vi } from 'vitest'
import type { UploadStatus } from '../../src/core/status/upload-state'
import { createUploader } from '../../src/core'
import { FakeClock } from '../fakes/fake-clock'
import { instantSmallProtocol, noTransport } from '../fakes/instant-protocol'

/** Status reads of the jobs the uploader creates (counted through `createJob`). */
const statusReads = vi.hoisted(() => ({ count: 0 }))

vi.mock('../../src/core/run/job', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/core/run/job')>()
  return {
    ...original,
    createJob: (...args: Parameters<typeof original.createJob>) => {
      const job = original.createJob(...args)
      let status = job.status
      Object.defineProperty(job, 'status', {
        get: () => {
          statusReads.count++
          return status
        },
        set: (next: UploadStatus) => (status = next),
      })
      return job
    },
  }
})

const protocol = instantSmallProtocol()

describe('cost per file with thousands of uploads', () => {
  it('starting 3,000 small files reads each status a few times, not once per finished file', async () => {
    const clock = new FakeClock()
    const uploader = createUploader({
      protocol,
      transport: noTransport,
      clock,
      concurrency: 4,
      hashing: false,
    })
    const count = 3000
    let finished = 0
    uploader.on('upload-success', () => finished++)
    statusReads.count = 0
    uploader.add(Array.from({ length: count }, (_, i) => new File([new Uint8Array(1)], `f${i}`)))
    for (let i = 0; i < 200 && finished < count; i++) await clock.advance(20)
    expect(finished).toBe(count)
    // Walking every job on each of the 3,000 pumps read statuses about 18,000,000 times.
    expect(statusReads.count).toBeLessThan(100 * count)
    uploader.destroy()
  })

  it.each(['added', 'reversed'] as const)(
    'starting 3,000 idle files one start(id) at a time in %s order, each after the last finished, reads each status a few times',
    async (order) => {
      const clock = new FakeClock()
      const uploader = createUploader({
        protocol,
        transport: noTransport,
        clock,
        autoStart: false,
        hashing: false,
      })
      const count = 3000
      let finished = 0
      uploader.on('upload-success', () => finished++)
      const { added } = uploader.add(
        Array.from({ length: count }, (_, i) => new File([new Uint8Array(1)], `f${i}`)),
      )
      statusReads.count = 0
      // An app that starts its files one by one, in the order it chose.
      const chosen = order === 'added' ? added : [...added].reverse()
      for (const [n, upload] of chosen.entries()) {
        uploader.start(upload.id)
        for (let i = 0; i < 20 && finished <= n; i++) await clock.advance(1)
      }
      expect(finished).toBe(count)
      // Each pump walked the idle uploads after the started one, or the finished ones
      // before it: about 13,500,000 reads either way.
      expect(statusReads.count).toBeLessThan(100 * count)
      uploader.destroy()
    },
  )

  it('adding 3,000 files one call at a time reads each status a few times, not once per call', () => {
    const uploader = createUploader({
      protocol,
      transport: noTransport,
      autoStart: false,
      hashing: false,
      maxFiles: 3000,
    })
    const count = 3000
    statusReads.count = 0
    for (let i = 0; i < count; i++) {
      const { added } = uploader.add(new File([new Uint8Array(1)], `f${i}`, { lastModified: 1 }), {
        metadata: { index: String(i) },
      })
      expect(added).toHaveLength(1)
    }
    // Each add walked every upload: about 4,500,000 reads.
    expect(statusReads.count).toBeLessThan(20 * count)
    // The limits still hold: the 3,001st file is refused, and so is a file added twice.
    expect(uploader.add(new File(['x'], 'one-more')).rejected[0]?.error.code).toBe('too-many-files')
    const again = new File([new Uint8Array(1)], 'f7', { lastModified: 1 })
    expect(uploader.add(again).rejected[0]?.error.code).toBe('duplicate-file')
    uploader.destroy()
  })
})
