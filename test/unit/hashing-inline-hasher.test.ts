import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { UploadError } from '../../src/core/errors'
import { createInlineHasher } from '../../src/hashing/inline-hasher'
import { yieldToEventLoop } from '../../src/hashing/yield-to-event-loop'
import { KiB } from '../fakes/files'

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')
const filled = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 13 + 5) & 0xff)
const signal = () => new AbortController().signal

describe('yieldToEventLoop', () => {
  it('resolves on a macrotask: pending microtasks all run first', async () => {
    let resolved = false
    const yielded = yieldToEventLoop().then(() => (resolved = true))
    for (let i = 0; i < 100; i++) await Promise.resolve()
    expect(resolved).toBe(false)
    await yielded
    expect(resolved).toBe(true)
  })

  it('falls back to setTimeout where there is no MessageChannel', async () => {
    const original = globalThis.MessageChannel
    // @ts-expect-error simulating an environment without MessageChannel
    globalThis.MessageChannel = undefined
    try {
      await expect(yieldToEventLoop()).resolves.toBeUndefined()
    } finally {
      globalThis.MessageChannel = original
    }
  })
})

describe('createInlineHasher', () => {
  it('hashes like node:crypto with the default 512 KiB slices', async () => {
    const data = filled(1024 * KiB + 10)
    const seen: number[] = []
    const hasher = createInlineHasher()
    await expect(
      hasher.md5(new Blob([data]), { signal: signal(), onProgress: (n) => seen.push(n) }),
    ).resolves.toBe(md5(data))
    expect(seen).toEqual([512 * KiB, 1024 * KiB, data.length])
  })

  it('yields to the event loop after every slice but the last, so each task hashes one slice', async () => {
    const log: string[] = []
    const hasher = createInlineHasher({
      sliceSize: 1000,
      yieldBetweenSlices: async () => {
        log.push('yield')
        await yieldToEventLoop()
      },
    })
    await hasher.md5(new Blob([filled(4500)]), {
      signal: signal(),
      onProgress: (n) => log.push(`hashed ${n}`),
    })
    expect(log).toEqual([
      'hashed 1000',
      'yield',
      'hashed 2000',
      'yield',
      'hashed 3000',
      'yield',
      'hashed 4000',
      'yield',
      'hashed 4500',
    ])
  })

  it('lets other macrotasks run while it hashes', async () => {
    let timerTurns = 0
    let hashing = true
    const tick = () => {
      if (!hashing) return
      timerTurns++
      setTimeout(tick, 0)
    }
    setTimeout(tick, 0)
    const hasher = createInlineHasher({ sliceSize: 4096 })
    const data = filled(256 * 4096)
    await expect(hasher.md5(new Blob([data]), { signal: signal() })).resolves.toBe(md5(data))
    hashing = false
    expect(timerTurns).toBeGreaterThan(1)
  })

  it('cancels between slices with the signal reason', async () => {
    const controller = new AbortController()
    const reason = new UploadError('aborted', 'cancelled', { retryable: false })
    const hasher = createInlineHasher({ sliceSize: 1000 })
    const job = hasher.md5(new Blob([filled(10_000)]), {
      signal: controller.signal,
      onProgress: (n) => n === 2000 && controller.abort(reason),
    })
    await expect(job).rejects.toBe(reason)
  })

  it('samples with its sample size', async () => {
    const data = filled(1300)
    const hasher = createInlineHasher({ sampleSize: 400 })
    const expected = createHash('md5')
      .update(data.subarray(0, 400))
      .update(data.subarray(450, 850))
      .update(data.subarray(900))
      .update('1300')
      .digest('hex')
    expect(await hasher.sample(new Blob([data]), { signal: signal() })).toBe(expected)
    expect(await hasher.sample(new Blob([data.subarray(0, 1200)]), { signal: signal() })).toBe(
      md5(data.subarray(0, 1200)),
    )
    hasher.dispose()
  })
})
