/**
 * Byte progress. Each in-flight request reports cumulative bytes, which replace (never add
 * to) what it reported before; a retried request starts again from zero and what it had
 * sent is counted as re-sent. What the user sees is derived here, in pure functions: it
 * never goes backwards and never passes the file size.
 */

/** Mutable per-file byte counts; owned by one upload, read through `rawBytes`. */
export interface ByteCounts {
  /** Bytes of parts the server acknowledged. */
  acked: number
  /** Bytes sent so far by each in-flight request, by request key. */
  readonly inflight: Map<number, number>
  /** Bytes that had to be sent again (retries, cut requests). */
  resent: number
  /** The largest value ever shown, so the display never goes backwards. */
  shown: number
}

export function createByteCounts(acked = 0, resent = 0): ByteCounts {
  return { acked, inflight: new Map(), resent, shown: acked }
}

export function rawBytes(counts: ByteCounts): number {
  let sum = counts.acked
  for (const loaded of counts.inflight.values()) sum += loaded
  return sum
}

/** A request reported `loaded` cumulative bytes. */
export function reportLoaded(counts: ByteCounts, key: number, loaded: number): void {
  counts.inflight.set(key, Math.max(0, loaded))
}

/** A request ended without acknowledgement: its bytes go, and count as re-sent. */
export function dropRequest(counts: ByteCounts, key: number, keptByServer = 0): void {
  const loaded = counts.inflight.get(key) ?? 0
  counts.inflight.delete(key)
  counts.resent += Math.max(0, loaded - keptByServer)
}

/** A request's bytes were acknowledged. */
export function ackRequest(counts: ByteCounts, key: number, bytes: number): void {
  counts.inflight.delete(key)
  counts.acked += bytes
}

/** The number the user sees: monotonic, clamped to `[0, size]`. */
export function shownBytes(counts: ByteCounts, size: number): number {
  counts.shown = Math.min(size, Math.max(counts.shown, rawBytes(counts)))
  return counts.shown
}

/** Smoothed throughput: an exponential moving average over time. */
export interface Rate {
  readonly bytes: number
  readonly at: number
  /** Bytes per second. */
  readonly speed: number
}

/**
 * Folds a new reading of cumulative `bytes` at time `now` into the rate. Readings closer
 * than `minIntervalMs` are ignored so bursts of progress events don't jitter the speed.
 */
export function updateRate(
  previous: Rate | undefined,
  bytes: number,
  now: number,
  { smoothingMs = 3000, minIntervalMs = 250 } = {},
): Rate {
  if (!previous) return { bytes, at: now, speed: 0 }
  const dt = now - previous.at
  if (dt < minIntervalMs) return previous
  const instant = (Math.max(0, bytes - previous.bytes) * 1000) / dt
  const alpha = 1 - Math.exp(-dt / smoothingMs)
  const speed = previous.speed === 0 ? instant : previous.speed + alpha * (instant - previous.speed)
  return { bytes, at: now, speed }
}

export interface ProgressView {
  readonly bytesUploaded: number
  readonly size: number
  /** 0..1 */
  readonly progress: number
  /** Bytes per second, smoothed. */
  readonly speed: number
  /** Seconds left, when there is a speed to estimate from. */
  readonly eta: number | undefined
}

export function deriveProgress(bytesUploaded: number, size: number, speed: number): ProgressView {
  const clamped = Math.min(size, Math.max(0, bytesUploaded))
  const progress = size === 0 ? (clamped === 0 ? 0 : 1) : clamped / size
  const eta = speed > 0 ? Math.max(0, (size - clamped) / speed) : undefined
  return { bytesUploaded: clamped, size, progress, speed, eta }
}
