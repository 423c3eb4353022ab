import { UploadError } from '../errors'
import type { ChunkPlan, PartRange, ProtocolCapabilities } from '../types'

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

type PlanLimits = Pick<ProtocolCapabilities, 'minPartSize' | 'maxPartSize' | 'maxParts'>

/**
 * Splits `size` bytes into parts of `preferred` bytes, clamped to the protocol's limits and
 * grown (in whole MiB) when the file would need more than `maxParts` parts. Throws
 * `too-many-parts` when even the largest part size cannot fit the file.
 */
export function planChunks(size: number, preferred: number, limits: PlanLimits): ChunkPlan {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new UploadError('protocol', `Invalid file size ${size}`, { retryable: false })
  }
  let partSize = Math.min(
    Math.max(Math.floor(preferred), limits.minPartSize, 1),
    limits.maxPartSize,
  )
  if (Math.ceil(size / partSize) > limits.maxParts) {
    // Round up to whole MiB so grown parts stay aligned for readers and servers alike.
    partSize = Math.ceil(size / limits.maxParts / MiB) * MiB
  }
  if (partSize > limits.maxPartSize || Math.ceil(size / partSize) > limits.maxParts) {
    throw new UploadError(
      'too-many-parts',
      `A file of ${size} bytes needs more than ${limits.maxParts} parts`,
      {
        retryable: false,
        params: { size, maxParts: limits.maxParts, maxPartSize: limits.maxPartSize },
      },
    )
  }
  return { size, partSize, count: Math.ceil(size / partSize) }
}

/** Part `index` of a plan; O(1), so plans never materialize thousands of objects. */
export function partAt(plan: ChunkPlan, index: number): PartRange {
  const start = index * plan.partSize
  return { index, start, end: Math.min(plan.size, start + plan.partSize) }
}

export function partLength(plan: ChunkPlan, index: number): number {
  const { start, end } = partAt(plan, index)
  return end - start
}

/** Validates a plan coming back from a record or a server before it is trusted. */
export function isValidPlan(plan: unknown, size: number, limits: PlanLimits): plan is ChunkPlan {
  if (typeof plan !== 'object' || plan === null) return false
  const p = plan as Record<string, unknown>
  return (
    p.size === size &&
    typeof p.partSize === 'number' &&
    Number.isSafeInteger(p.partSize) &&
    p.partSize >= Math.min(limits.minPartSize, Math.max(size, 1)) &&
    p.partSize <= limits.maxPartSize &&
    p.count === Math.ceil(size / p.partSize) &&
    (p.count as number) <= limits.maxParts
  )
}
