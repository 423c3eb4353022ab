/**
 * The soak's plan, drawn from its seed: which file goes to which protocol, how big, in
 * which batch, and when a batch reloads the page, cancels an upload or restarts the server.
 */
import { between, mulberry32, type Random } from '../fault-proxy'
import type { SoakProtocol } from '../browser/pages/soak'

import { KiB, MiB } from '../fakes/files'

export { KiB, MiB }
export const PROTOCOLS: readonly SoakProtocol[] = ['http', 'tus', 's3']

export interface PlannedUpload {
  readonly index: number
  /** The file's name, unique in the soak (the page finds files by name). */
  readonly name: string
  readonly protocol: SoakProtocol
  readonly size: number
}

export interface PlannedBatch {
  readonly uploads: readonly PlannedUpload[]
  /** Reload the page this long after the batch starts (if it is still running). */
  readonly reloadAfterMs?: number
  /** Cancel this upload this long after the batch starts, then add it again. */
  readonly cancel?: { readonly name: string; readonly afterMs: number }
  /** Stop the reference server this long after the batch starts, and start it again. */
  readonly restartAfterMs?: number
}

export interface SoakPlan {
  readonly seed: number
  readonly uploads: readonly PlannedUpload[]
  readonly batches: readonly PlannedBatch[]
}

export interface PlanOptions {
  readonly seed: number
  /** Uploads in all (at least 6). */
  readonly count: number
  /** Largest file; at least one upload per protocol has this size when count ≥ 30. @default 256 MiB */
  readonly maxSize?: number
  /** Uploads running together in one page. @default 6 */
  readonly batchSize?: number
  /** Chance that a batch reloads the page. @default 0.5 */
  readonly reloadChance?: number
  /** Chance that a batch cancels (and re-adds) one upload. @default 0.15 */
  readonly cancelChance?: number
  /** Restart the server once, in the middle batch. @default true */
  readonly restart?: boolean
}

/** Log-uniform in `[min, max]`: as many tiny files as big ones per factor of size. */
function logUniform(random: Random, min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))))
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

export function planSoak(options: PlanOptions): SoakPlan {
  const random = mulberry32(options.seed ^ 0x5eed)
  const maxSize = options.maxSize ?? 256 * MiB
  const batchSize = options.batchSize ?? 6
  const count = Math.max(6, options.count)
  // Edge sizes first: an empty file and the largest per protocol, then a spread between.
  const sizes: { protocol: SoakProtocol; size: number }[] = []
  for (const protocol of PROTOCOLS) sizes.push({ protocol, size: 0 })
  if (count >= 30) for (const protocol of PROTOCOLS) sizes.push({ protocol, size: maxSize })
  while (sizes.length < count) {
    const protocol = PROTOCOLS[sizes.length % PROTOCOLS.length]
    const band = random()
    const size =
      band < 0.4
        ? logUniform(random, 1, MiB)
        : band < 0.85
          ? logUniform(random, MiB, 32 * MiB)
          : logUniform(random, 32 * MiB, Math.max(32 * MiB, maxSize / 2))
    sizes.push({ protocol, size: Math.min(size, maxSize) })
  }
  const uploads = shuffle(random, sizes).map(({ protocol, size }, index): PlannedUpload => ({
    index,
    name: `vcu-soak-${index}.bin`,
    protocol,
    size,
  }))
  const batchCount = Math.ceil(uploads.length / batchSize)
  const restartBatch = options.restart === false ? -1 : Math.floor(batchCount / 2)
  const batches: PlannedBatch[] = []
  for (let b = 0; b < batchCount; b++) {
    const members = uploads.slice(b * batchSize, (b + 1) * batchSize)
    const reload = random() < (options.reloadChance ?? 0.5)
    const reloadAfterMs = between(random, 300, 2500)
    const cancel = random() < (options.cancelChance ?? 0.15)
    const cancelled = members[Math.floor(random() * members.length)]
    const cancelAfterMs = between(random, 200, 2500)
    const restartAfterMs = between(random, 500, 3000)
    batches.push({
      uploads: members,
      reloadAfterMs: reload ? reloadAfterMs : undefined,
      cancel: cancel ? { name: cancelled.name, afterMs: cancelAfterMs } : undefined,
      restartAfterMs: b === restartBatch ? restartAfterMs : undefined,
    })
  }
  return { seed: options.seed, uploads, batches }
}
