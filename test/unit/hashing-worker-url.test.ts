/**
 * `workerUrl` (the hashing worker from a CDN or another host) and the console warning a
 * development build prints when hashing falls back to the main thread.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createWorkerHasher } from '../../src/hashing/worker-hasher'

/** Records how the hasher constructs workers; never answers (the tests only look at the start). */
class RecordingWorker {
  static made: { url: string; options: WorkerOptions | undefined }[] = []
  onmessage = null
  onerror = null
  onmessageerror = null
  constructor(url: string | URL, options?: WorkerOptions) {
    RecordingWorker.made.push({ url: String(url), options })
  }
  postMessage(): void {}
  terminate(): void {}
}

const blob = new Blob([new Uint8Array(1024)])

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  RecordingWorker.made = []
})

/** Starts one md5 job (it never finishes: the worker never answers) and lets it dispatch. */
async function startJob(hasher: ReturnType<typeof createWorkerHasher>): Promise<void> {
  void hasher.md5(blob, { signal: new AbortController().signal }).catch(() => undefined)
  await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('workerUrl', () => {
  it('starts a same-origin worker from that URL, as a module worker', async () => {
    vi.stubGlobal('Worker', RecordingWorker)
    const url = new URL('/static/md5.worker.js', location.href).href
    const hasher = createWorkerHasher({ workerUrl: url, workers: 1 })
    await startJob(hasher)
    expect(RecordingWorker.made).toEqual([{ url, options: { type: 'module' } }])
    hasher.dispose()
  })

  it('starts cross-origin workers through one same-origin blob module, revoked on dispose', async () => {
    vi.stubGlobal('Worker', RecordingWorker)
    const sources: Blob[] = []
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((source) => {
      sources.push(source as Blob)
      return 'blob:fake-1'
    })
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    const hasher = createWorkerHasher({
      workerUrl: 'https://cdn.example.com/vue-chunked-upload/dist/md5.worker.js',
      workers: 2,
    })
    await startJob(hasher)
    await startJob(hasher)
    expect(create).toHaveBeenCalledTimes(1)
    expect(await sources[0].text()).toBe(
      'import "https://cdn.example.com/vue-chunked-upload/dist/md5.worker.js"',
    )
    expect(RecordingWorker.made).toEqual([
      { url: 'blob:fake-1', options: { type: 'module' } },
      { url: 'blob:fake-1', options: { type: 'module' } },
    ])
    expect(revoke).not.toHaveBeenCalled()
    hasher.dispose()
    expect(revoke).toHaveBeenCalledWith('blob:fake-1')
  })
})

describe('falling back to the main thread', () => {
  it('warns on the console once in a development build, and tells onFallback', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const onFallback = vi.fn()
    const hasher = createWorkerHasher({
      createWorker: () => {
        throw new Error('refused by the Content-Security-Policy')
      },
      onFallback,
    })
    const data = new Uint8Array([1, 2, 3])
    const first = await hasher.md5(new Blob([data]), { signal: new AbortController().signal })
    await hasher.md5(new Blob([data]), { signal: new AbortController().signal })
    expect(first).toBe('5289df737df57326fcdd22597afb1fac')
    expect(onFallback).toHaveBeenCalledTimes(1)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toMatch(/\[vue-chunked-upload\].*main thread/)
    hasher.dispose()
  })

  it('stays silent in a production build (process.env.NODE_ENV replaced by the bundler)', async () => {
    vi.stubEnv('NODE_ENV', 'production')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const hasher = createWorkerHasher({
      createWorker: () => {
        throw new Error('no workers here')
      },
    })
    await hasher.md5(new Blob([new Uint8Array(3)]), { signal: new AbortController().signal })
    expect(warn).not.toHaveBeenCalled()
    vi.unstubAllEnvs()
    hasher.dispose()
  })
})
