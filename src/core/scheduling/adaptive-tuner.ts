/**
 * Part size and lanes chosen from measured throughput instead of fixed numbers. Pure: it is
 * fed the outcome of each part request with the clock's time, and answers how many parts
 * of one file to keep in flight and what part size a new plan should use.
 *
 * - Lanes (parts of one file in flight) start at `initialLanes` (default: the limit) and grow one at a time,
 *   within the global limit, while each step raises the measured throughput by at least
 *   `minGain`; a step that does not goes back to the best level and holds there, probing
 *   upwards again now and then. A failure or stall halves the lanes and starts measuring
 *   afresh (multiplicative decrease).
 * - Part size for a new plan: what one lane sends in `targetRequestMs` at the measured
 *   per-request rate, so the fixed cost of a request (round trip, signing) stays small,
 *   between the preferred size and `maxGrowth` times it, in whole MiB. Each failure halves
 *   the ceiling (down to the protocol's minimum), so a retry re-sends less; successes
 *   raise it again. A plan, once created, keeps its part size: the server was told it
 *   (the HTTP chunk size, S3 part numbers, tus partial uploads), and a resumed upload uses
 *   the one in its record.
 */

import { MiB } from '../run/part-plan'

export interface AdaptiveOptions {
  /**
   * Lanes per file before anything is measured. @default the limit (`concurrency`): the
   * bench showed a ramp from 2 costs more on files of a few dozen parts than it gains.
   */
  readonly initialLanes?: number
  /** Relative throughput gain a lane must bring to be kept. @default 0.1 */
  readonly minGain?: number
  /** Duration one part request should take at the measured rate, in ms. @default 2000 */
  readonly targetRequestMs?: number
  /** Largest part size as a multiple of the preferred one. @default 8 */
  readonly maxGrowth?: number
  /** Windows spent holding before probing one lane more. @default 8 */
  readonly probeEvery?: number
}

/** One finished part request: its bytes and duration, or a failure. */
export type PartOutcome =
  | { readonly ok: true; readonly bytes: number; readonly ms: number; readonly at: number }
  | { readonly ok: false; readonly at: number }

export interface Tuner {
  /** Parts of one file to keep in flight now, between 1 and `limit`. */
  lanes(limit: number): number
  /** Part size for a new plan, from `preferred` (the `chunkSize` option) and what was measured. */
  partSize(preferred: number, minPartSize: number): number
  /** Feeds the outcome of one part request. */
  record(outcome: PartOutcome): void
}

/** Fixed sizes: the preferred part size and the full limit of lanes, whatever happens. */
export const fixedTuner: Tuner = {
  lanes: (limit) => limit,
  partSize: (preferred) => preferred,
  record: () => undefined,
}

export function createTuner(options: AdaptiveOptions = {}): Tuner {
  const {
    initialLanes = Infinity,
    minGain = 0.1,
    targetRequestMs = 2000,
    maxGrowth = 8,
    probeEvery = 8,
  } = options
  let lanes = Math.max(1, Math.floor(initialLanes))
  // Until the first `lanes(limit)`, `lanes` may be Infinity (start at the limit).
  let best = { lanes, rate: 0 }
  let probing = true
  let heldWindows = 0
  /** The current measuring window: bytes acknowledged since `start`, in `count` parts. */
  let window: { start: number; bytes: number; count: number } | undefined
  /** Smoothed bytes per ms of a single request (its own duration), 0 until measured. */
  let requestRate = 0
  /** Halved by each failure, restored step by step by successes: scales the size ceiling. */
  let sizeScale = 1

  function closeWindow(at: number, limit: number): void {
    const w = window!
    window = undefined
    const rate = w.bytes / Math.max(1, at - w.start)
    if (probing) {
      if (rate >= best.rate * (1 + minGain)) {
        best = { lanes, rate }
        if (lanes < limit) lanes++
        else probing = false
      } else {
        lanes = best.lanes
        probing = false
        heldWindows = 0
      }
      return
    }
    // Holding: keep the best level's rate current, and probe upwards now and then.
    if (lanes === best.lanes) best = { lanes, rate }
    if (++heldWindows >= probeEvery && lanes < limit) {
      heldWindows = 0
      probing = true
      lanes++
    }
  }

  let lastLimit = Infinity
  return {
    lanes(limit) {
      lastLimit = Math.max(1, Math.floor(limit))
      lanes = Math.min(lanes, lastLimit)
      best = { lanes: Math.min(best.lanes, lastLimit), rate: best.rate }
      return lanes
    },
    partSize(preferred, minPartSize) {
      const floor = Math.max(1, Math.floor(minPartSize))
      const base = Math.max(floor, Math.floor(preferred))
      // After failures: smaller than preferred, so a retry re-sends less.
      if (sizeScale < 1) return Math.max(floor, Math.floor(base * sizeScale))
      if (requestRate === 0) return base
      // Whole MiB for MiB-sized parts, so grown parts stay aligned for readers and servers.
      const grain = base >= MiB ? MiB : 1
      const wanted = Math.ceil((requestRate * targetRequestMs) / grain) * grain
      return Math.max(base, Math.min(base * Math.max(1, maxGrowth), wanted))
    },
    record(outcome) {
      if (!outcome.ok) {
        lanes = Math.max(1, Math.floor(lanes / 2))
        best = { lanes, rate: 0 }
        probing = true
        window = undefined
        sizeScale = Math.max(1 / 64, sizeScale / 2)
        return
      }
      if (sizeScale < 1) sizeScale = Math.min(1, sizeScale * 1.25)
      const rate = outcome.bytes / Math.max(1, outcome.ms)
      requestRate = requestRate === 0 ? rate : requestRate + 0.3 * (rate - requestRate)
      // A window opens with the first completion at this level and closes once each lane
      // has finished about two parts, so the rate covers requests that overlapped.
      if (window === undefined) {
        window = { start: outcome.at, bytes: 0, count: 0 }
        return
      }
      window.bytes += outcome.bytes
      window.count++
      if (window.count >= 2 * Math.min(lanes, lastLimit)) closeWindow(outcome.at, lastLimit)
    },
  }
}
