import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { UploadError } from '../../src/core/errors'
import { createHasher } from '../../src/hashing'
import { createInlineHasher } from '../../src/hashing/inline-hasher'
import { createMd5, MAX_IDLE_WASM_MD5, setWasmMd5Loader } from '../../src/hashing/md5-engine'
import { md5OfBlob, sampleMd5 } from '../../src/hashing/md5-stream'
import { handleMessage, type WorkerResponse } from '../../src/hashing/md5.worker'
import { createUploader } from '../../src/core'
import { FakeClock } from '../fakes/fake-clock'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'
import { createDefaultUploader } from '../../src/vue/defaults'
import { noisyBytes as bytes } from '../fakes/files'
import { stubWorker } from '../fakes/stub-worker'
import { refusingLoader, restoreMd5Loader } from '../fakes/wasm-md5'

const nodeMd5 = (data: Uint8Array | string) => createHash('md5').update(data).digest('hex')
const signal = () => new AbortController().signal

afterEach(restoreMd5Loader)

describe("md5 engine 'wasm' (hash-wasm)", () => {
  it.each([0, 1, 63, 64, 65, 999, 1000, 1001, 4099, 65_537])(
    'gives the same digest as spark-md5 and node:crypto for %i bytes over odd slices',
    async (size) => {
      const blob = new Blob([bytes(size)])
      const expected = nodeMd5(bytes(size))
      for (const sliceSize of [1, 7, 1000, 4096]) {
        if (size / sliceSize > 5000) continue
        const [wasm, spark] = await Promise.all([
          md5OfBlob(blob, { sliceSize, engine: 'wasm' }),
          md5OfBlob(blob, { sliceSize, engine: 'spark' }),
        ])
        expect({ sliceSize, wasm, spark }).toEqual({ sliceSize, wasm: expected, spark: expected })
      }
    },
  )

  it('samples the same fingerprint as spark-md5, small and large blobs alike', async () => {
    for (const size of [0, 100, 3 * 1024, 3 * 1024 + 1, 50_000]) {
      const blob = new Blob([bytes(size, 9)])
      const [wasm, spark] = await Promise.all([
        sampleMd5(blob, { sampleSize: 1024, engine: 'wasm' }),
        sampleMd5(blob, { sampleSize: 1024, engine: 'spark' }),
      ])
      expect(wasm).toBe(spark)
    }
  })

  it('really runs hash-wasm when chosen, and never loads it for spark-md5', async () => {
    const instances = vi.fn()
    const load = vi.fn(async () => {
      const { createMD5 } = await import('hash-wasm')
      return () => (instances(), createMD5())
    })
    setWasmMd5Loader(load)
    ;(await createMd5('spark')).destroy()
    await md5OfBlob(new Blob([bytes(10)]))
    expect(load).not.toHaveBeenCalled()
    const data = bytes(5000)
    const onFallback = vi.fn()
    await expect(
      md5OfBlob(new Blob([data]), { sliceSize: 999, engine: 'wasm', onFallback }),
    ).resolves.toBe(nodeMd5(data))
    expect(onFallback).not.toHaveBeenCalled()
    expect(load).toHaveBeenCalledTimes(1)
    expect(instances).toHaveBeenCalledTimes(1)
  })

  /** hash-wasm loaded through a loader that counts the instances it creates. */
  function countingWasm() {
    const instances = vi.fn()
    setWasmMd5Loader(async () => {
      const { createMD5 } = await import('hash-wasm')
      return () => (instances(), createMD5())
    })
    return instances
  }

  it('hashes one file after another with one WebAssembly instance, not one per file', async () => {
    const instances = countingWasm()
    for (let i = 0; i < 5; i++) {
      const data = bytes(1000 + i, i)
      await expect(md5OfBlob(new Blob([data]), { engine: 'wasm' })).resolves.toBe(nodeMd5(data))
    }
    expect(instances).toHaveBeenCalledTimes(1)
  })

  it('hashes running at once never share an instance, and the idle ones kept are bounded', async () => {
    const instances = countingWasm()
    const files = Array.from({ length: MAX_IDLE_WASM_MD5 + 3 }, (_, i) => bytes(5000 + i, i + 1))
    // Small slices, so the hashes interleave slice by slice.
    const digests = await Promise.all(
      files.map((data) => md5OfBlob(new Blob([data]), { engine: 'wasm', sliceSize: 700 })),
    )
    expect(digests).toEqual(files.map((data) => nodeMd5(data)))
    expect(instances).toHaveBeenCalledTimes(files.length)
    // As many again at once: only the kept ones are taken again, the rest are new.
    await Promise.all(files.map((data) => md5OfBlob(new Blob([data]), { engine: 'wasm' })))
    expect(instances).toHaveBeenCalledTimes(files.length * 2 - MAX_IDLE_WASM_MD5)
  })

  it('an instance left mid-hash (aborted) starts over clean for the next file', async () => {
    const instances = countingWasm()
    const first = await createMd5('wasm')
    first.append(bytes(3000, 7).buffer)
    first.destroy()
    expect(() => first.append(bytes(10).buffer)).toThrow()
    const data = bytes(2000, 8)
    await expect(md5OfBlob(new Blob([data]), { engine: 'wasm' })).resolves.toBe(nodeMd5(data))
    expect(instances).toHaveBeenCalledTimes(1)
  })

  it('falls back to spark-md5 with a wasm-unavailable warning when WebAssembly is refused', async () => {
    setWasmMd5Loader(refusingLoader)
    const data = bytes(3000)
    const warnings: UploadError[] = []
    await expect(
      md5OfBlob(new Blob([data]), {
        sliceSize: 1000,
        engine: 'wasm',
        onFallback: (w) => void warnings.push(w),
      }),
    ).resolves.toBe(nodeMd5(data))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toBeInstanceOf(UploadError)
    expect(warnings[0]).toMatchObject({ code: 'wasm-unavailable', retryable: false })
    expect(warnings[0].cause).toBeInstanceOf(WebAssembly.CompileError)
  })

  it('falls back as well when the hash-wasm chunk cannot be loaded', async () => {
    setWasmMd5Loader(() =>
      Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
    )
    const onFallback = vi.fn()
    const data = bytes(10)
    await expect(sampleMd5(new Blob([data]), { engine: 'wasm', onFallback })).resolves.toBe(
      nodeMd5(data),
    )
    expect(onFallback).toHaveBeenCalledWith(expect.objectContaining({ code: 'wasm-unavailable' }))
  })
})

describe('hasher selection', () => {
  it('the worker hashes with the engine named in the request and relays a fallback as a warning', async () => {
    setWasmMd5Loader(refusingLoader)
    const data = bytes(2500)
    const posted: WorkerResponse[] = []
    await handleMessage(
      { type: 'md5', id: 4, blob: new Blob([data]), sliceSize: 1000, engine: 'wasm' },
      (response) => void posted.push(response),
      new Map(),
    )
    expect(posted[0]).toMatchObject({ type: 'warning', id: 4, code: 'wasm-unavailable' })
    expect(posted.filter((r) => r.type === 'progress')).toHaveLength(3)
    expect(posted.at(-1)).toEqual({ type: 'done', id: 4, hex: nodeMd5(data) })
  })

  it('an inline wasm hasher warns once however many jobs fall back, and still hashes right', async () => {
    setWasmMd5Loader(refusingLoader)
    const hasher = createInlineHasher({ md5: 'wasm', sliceSize: 1000 })
    const onWarning = vi.fn()
    const a = bytes(2000, 1)
    const b = bytes(3000, 2)
    const results = await Promise.all([
      hasher.md5(new Blob([a]), { signal: signal(), onWarning }),
      hasher.md5(new Blob([b]), { signal: signal(), onWarning }),
      hasher.sample(new Blob([b]), { signal: signal(), onWarning }),
    ])
    expect(results).toEqual([nodeMd5(a), nodeMd5(b), nodeMd5(b)])
    expect(onWarning).toHaveBeenCalledTimes(1)
    expect(onWarning.mock.calls[0][0]).toMatchObject({ code: 'wasm-unavailable' })
  })

  it("createHasher({ md5: 'wasm' }) passes the engine to the worker", async () => {
    const requests = stubWorker()
    const hasher = createHasher({ md5: 'wasm' })
    const data = bytes(1234)
    await expect(hasher.md5(new Blob([data]), { signal: signal() })).resolves.toBe(nodeMd5(data))
    expect(requests).toEqual([expect.objectContaining({ type: 'md5', engine: 'wasm' })])
    hasher.dispose()
  })

  it('the engine passes a hasher fallback on as its warning event', async () => {
    setWasmMd5Loader(refusingLoader)
    const uploader = createUploader({
      protocol: new FakeProtocol({ onPart: autoSucceed }),
      transport: new ScriptedTransport(),
      clock: new FakeClock(),
      hasher: createInlineHasher({ md5: 'wasm', yieldBetweenSlices: async () => {} }),
    })
    const warnings: UploadError[] = []
    uploader.on('warning', ({ error }) => void warnings.push(error))
    const done = new Promise<string>((resolve) => {
      uploader.on('upload-success', ({ upload }) => resolve(upload.hash.value ?? ''))
      uploader.on('upload-error', ({ error }) => resolve(error.code))
    })
    const data = bytes(4000)
    uploader.add(new Blob([data]))
    await expect(done).resolves.toBe(nodeMd5(data))
    uploader.destroy()
    expect(warnings.map((w) => w.code)).toEqual(['wasm-unavailable'])
  })

  it("the default uploader's md5 option selects the engine of the hasher it creates", async () => {
    vi.stubGlobal('Worker', undefined)
    setWasmMd5Loader(refusingLoader)
    const uploader = createDefaultUploader({
      protocol: new FakeProtocol({ onPart: autoSucceed }),
      md5: 'wasm',
      store: false,
      // happy-dom has no Web Locks: keep that warning out of this test's list.
      crossTab: false,
    })
    const warnings: string[] = []
    uploader.on('warning', ({ error }) => void warnings.push(error.code))
    const done = new Promise<string>((resolve) => {
      uploader.on('upload-success', () => resolve('done'))
      uploader.on('upload-error', ({ error }) => resolve(error.code))
    })
    uploader.add(new Blob([bytes(4000)]))
    await expect(done).resolves.toBe('done')
    uploader.destroy()
    // Only a hasher asked for 'wasm' tries (and here fails) to load it; without Worker the
    // uploader is also told once that hashing runs on the main thread.
    expect(warnings.sort()).toEqual(['wasm-unavailable', 'worker-unavailable'])
  })
})
