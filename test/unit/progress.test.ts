import { describe, expect, it } from 'vitest'
import {
  ackRequest,
  createByteCounts,
  deriveProgress,
  dropRequest,
  rawBytes,
  reportLoaded,
  shownBytes,
  updateRate,
} from '../../src/core'

describe('byte progress', () => {
  it('replaces a request’s bytes on each event instead of adding them', () => {
    const counts = createByteCounts()
    reportLoaded(counts, 0, 100)
    reportLoaded(counts, 0, 250)
    reportLoaded(counts, 1, 50)
    expect(rawBytes(counts)).toBe(300)
  })

  it('resets a retried request and counts its bytes as re-sent, while the shown value holds', () => {
    const counts = createByteCounts()
    reportLoaded(counts, 0, 400)
    expect(shownBytes(counts, 1000)).toBe(400)
    dropRequest(counts, 0)
    expect(rawBytes(counts)).toBe(0)
    expect(counts.resent).toBe(400)
    expect(shownBytes(counts, 1000)).toBe(400)
    reportLoaded(counts, 0, 600)
    expect(shownBytes(counts, 1000)).toBe(600)
  })

  it('never shows more than the size, even when bytes are over-reported', () => {
    const counts = createByteCounts()
    ackRequest(counts, 0, 900)
    reportLoaded(counts, 1, 500)
    expect(shownBytes(counts, 1000)).toBe(1000)
    expect(deriveProgress(1500, 1000, 0).progress).toBe(1)
  })

  it('derives ETA from the smoothed speed', () => {
    const view = deriveProgress(250, 1250, 100)
    expect(view.eta).toBe(10)
    expect(deriveProgress(0, 100, 0).eta).toBeUndefined()
  })

  it('smooths speed and ignores bursts closer than the minimum interval', () => {
    let rate = updateRate(undefined, 0, 0)
    rate = updateRate(rate, 1000, 1000)
    expect(rate.speed).toBe(1000)
    const burst = updateRate(rate, 999_999, 1010)
    expect(burst).toBe(rate)
    rate = updateRate(rate, 3000, 2000)
    expect(rate.speed).toBeGreaterThan(1000)
    expect(rate.speed).toBeLessThan(2000)
  })
})
