import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { handleMessage, type WorkerJobs, type WorkerResponse } from '../../src/hashing/md5.worker'

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')
const filled = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff)

function collector() {
  const posted: WorkerResponse[] = []
  return { posted, post: (response: WorkerResponse) => void posted.push(response) }
}

describe('md5.worker handleMessage', () => {
  it('posts progress per slice, then done with the MD5', async () => {
    const data = filled(2500)
    const { posted, post } = collector()
    const jobs: WorkerJobs = new Map()
    await handleMessage({ type: 'md5', id: 7, blob: new Blob([data]), sliceSize: 1000 }, post, jobs)
    expect(posted).toEqual([
      { type: 'progress', id: 7, bytes: 1000 },
      { type: 'progress', id: 7, bytes: 2000 },
      { type: 'progress', id: 7, bytes: 2500 },
      { type: 'done', id: 7, hex: md5(data) },
    ])
    expect(jobs.size).toBe(0)
  })

  it('answers a sample request with the sampled MD5', async () => {
    const data = filled(500)
    const { posted, post } = collector()
    await handleMessage(
      { type: 'sample', id: 1, blob: new Blob([data]), sampleSize: 1024 },
      post,
      new Map(),
    )
    expect(posted.at(-1)).toEqual({ type: 'done', id: 1, hex: md5(data) })
  })

  it('stops a running job on cancel and ends it with an aborted error, leaving other jobs alone', async () => {
    const { posted, post } = collector()
    const jobs: WorkerJobs = new Map()
    const big = new Blob([filled(50_000)])
    const small = filled(3000)
    const cancelled = handleMessage({ type: 'md5', id: 1, blob: big, sliceSize: 1000 }, post, jobs)
    const other = handleMessage(
      { type: 'md5', id: 2, blob: new Blob([small]), sliceSize: 1000 },
      post,
      jobs,
    )
    expect([...jobs.keys()]).toEqual([1, 2])
    await handleMessage({ type: 'cancel', id: 1 }, post, jobs)
    await Promise.all([cancelled, other])

    const forOne = posted.filter((r) => r.id === 1)
    expect(forOne.at(-1)).toMatchObject({ type: 'error', id: 1, code: 'aborted' })
    expect(forOne.some((r) => r.type === 'done')).toBe(false)
    expect(forOne.filter((r) => r.type === 'progress').length).toBeLessThan(50)
    expect(posted.filter((r) => r.id === 2).at(-1)).toEqual({
      type: 'done',
      id: 2,
      hex: md5(small),
    })
    expect(jobs.size).toBe(0)
  })

  it('ignores a cancel for an unknown job', async () => {
    const { posted, post } = collector()
    await handleMessage({ type: 'cancel', id: 99 }, post, new Map())
    expect(posted).toEqual([])
  })

  it('reports a read failure as an error message with its code', async () => {
    const gone = () => Promise.reject(new Error('gone'))
    const broken = {
      size: 4,
      arrayBuffer: gone,
      slice: () => ({ arrayBuffer: gone }),
    } as unknown as Blob
    const { posted, post } = collector()
    await handleMessage({ type: 'md5', id: 3, blob: broken }, post, new Map())
    expect(posted).toEqual([
      { type: 'error', id: 3, message: 'The file could not be read', code: 'file-unreadable' },
    ])
  })

  it('does not attach onmessage when imported outside a worker', () => {
    expect((globalThis as { onmessage?: unknown }).onmessage ?? null).toBeNull()
  })
})
