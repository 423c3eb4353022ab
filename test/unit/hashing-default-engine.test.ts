/**
 * The default MD5 engine: WebAssembly (hash-wasm) in the hashing Worker, spark-md5 on the
 * main thread, and spark-md5 with one `wasm-unavailable` warning where WebAssembly is refused.
 */
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { UploadError } from '../../src/core/errors'
import { createHasher, createWorkerHasher } from '../../src/hashing'
import { resolveMd5Engines, setWasmMd5Loader } from '../../src/hashing/md5-engine'
import { stubWorker } from '../fakes/stub-worker'
import { refusingLoader, restoreMd5Loader } from '../fakes/wasm-md5'

const nodeMd5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')
const signal = () => new AbortController().signal

function bytes(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 131 + (i >> 7)) & 0xff
  return out
}

afterEach(restoreMd5Loader)

describe('the default MD5 engine', () => {
  it('is WebAssembly in the Worker and spark-md5 inline; a chosen engine applies to both', () => {
    expect(resolveMd5Engines()).toEqual({ worker: 'wasm', inline: 'spark' })
    expect(resolveMd5Engines('spark')).toEqual({ worker: 'spark', inline: 'spark' })
    expect(resolveMd5Engines('wasm')).toEqual({ worker: 'wasm', inline: 'wasm' })
  })

  it('createHasher() sends wasm jobs to the Worker, which really loads hash-wasm', async () => {
    const requests = stubWorker()
    const load = vi.fn(() => import('hash-wasm').then(({ createMD5 }) => createMD5))
    setWasmMd5Loader(load)
    const hasher = createHasher()
    const warnings: UploadError[] = []
    const data = bytes(300_001)
    const hex = await hasher.md5(new Blob([data]), {
      signal: signal(),
      onWarning: (warning) => void warnings.push(warning),
    })
    hasher.dispose()
    expect(hex).toBe(nodeMd5(data))
    expect(requests).toEqual([expect.objectContaining({ type: 'md5', engine: 'wasm' })])
    expect(load).toHaveBeenCalledTimes(1)
    expect(warnings).toEqual([])
  })

  it('createWorkerHasher() defaults to wasm as well', async () => {
    const requests = stubWorker()
    const hasher = createWorkerHasher()
    const data = bytes(5000)
    await expect(hasher.md5(new Blob([data]), { signal: signal() })).resolves.toBe(nodeMd5(data))
    hasher.dispose()
    expect(requests).toEqual([expect.objectContaining({ type: 'md5', engine: 'wasm' })])
  })

  it("md5: 'spark' keeps WebAssembly out of the Worker", async () => {
    const requests = stubWorker()
    const load = vi.fn(refusingLoader)
    setWasmMd5Loader(load)
    const hasher = createHasher({ md5: 'spark' })
    const data = bytes(5000)
    await expect(hasher.md5(new Blob([data]), { signal: signal() })).resolves.toBe(nodeMd5(data))
    hasher.dispose()
    expect(requests).toEqual([expect.objectContaining({ type: 'md5', engine: 'spark' })])
    expect(load).not.toHaveBeenCalled()
  })

  it('falls back to spark-md5 with one wasm-unavailable warning where WebAssembly is refused', async () => {
    stubWorker()
    setWasmMd5Loader(refusingLoader)
    const hasher = createHasher()
    const warnings: string[] = []
    const options = {
      signal: signal(),
      onWarning: (warning: UploadError) => void warnings.push(warning.code),
    }
    const [a, b] = [bytes(7000), bytes(70_001)]
    // Sequential: one Worker, two jobs; the warning is told once per hasher.
    expect(await hasher.md5(new Blob([a]), options)).toBe(nodeMd5(a))
    expect(await hasher.md5(new Blob([b]), options)).toBe(nodeMd5(b))
    hasher.dispose()
    expect(warnings).toEqual(['wasm-unavailable'])
  })

  it('hashes with spark-md5 on the main thread without a Worker, never loading hash-wasm', async () => {
    vi.stubGlobal('Worker', undefined)
    const load = vi.fn(refusingLoader)
    setWasmMd5Loader(load)
    const warnings: string[] = []
    const hasher = createHasher({ inline: { yieldBetweenSlices: async () => {} } })
    const data = bytes(9000)
    const hex = await hasher.md5(new Blob([data]), {
      signal: signal(),
      onWarning: (warning) => void warnings.push(warning.code),
    })
    hasher.dispose()
    expect(hex).toBe(nodeMd5(data))
    expect(load).not.toHaveBeenCalled()
    // Only the missing Worker is told, not WebAssembly.
    expect(warnings).toEqual(['worker-unavailable'])
  })
})
