/**
 * The uploader's options resolved once: checked (a developer mistake throws at once) and
 * with every default filled in. Runs read `flowOptions`; the rest wires the uploader.
 */
import { MiB } from '../run/part-plan'
import type { FlowOptions } from '../run/run-context'
import { createTuner, fixedTuner, type Tuner } from '../scheduling/adaptive-tuner'
import { systemClock } from '../scheduling/clock'
import { defaultRetryPolicy, type RetryPolicy } from '../scheduling/retry-policy'
import type { Clock } from '../types'
import { assertValidOptions } from './input-checks'
import type { UploaderOptions } from './uploader-api'

/** {@link UploaderOptions} with the defaults applied. */
export interface ResolvedOptions {
  readonly clock: Clock
  /** Files uploading at once, and requests in flight across them. */
  readonly concurrency: number
  readonly flowOptions: FlowOptions
  readonly policy: RetryPolicy
  /** Lanes per file and the part size of new plans; fixed when `adaptive` is off. */
  readonly tuner: Tuner
}

/** Checks `options` (throws a typed error on a bad value) and applies the defaults. */
export function resolveOptions(options: UploaderOptions): ResolvedOptions {
  assertValidOptions(options)
  const clock = options.clock ?? systemClock
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4))
  const chunkSize = options.chunkSize ?? 8 * MiB
  const flowOptions: FlowOptions = {
    chunkSize,
    smallFileThreshold: options.smallFileThreshold ?? chunkSize,
    concurrency,
    stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    hashing: (options.hashing ?? true) && options.hasher !== undefined,
    stream: options.stream ?? true,
    resumeExpiryMs: options.resumeExpiryMs ?? 7 * 24 * 3600_000,
  }
  const policy = { ...defaultRetryPolicy, ...options.retry }
  const tuner =
    options.adaptive === false
      ? fixedTuner
      : createTuner(typeof options.adaptive === 'object' ? options.adaptive : {})
  return { clock, concurrency, flowOptions, policy, tuner }
}
