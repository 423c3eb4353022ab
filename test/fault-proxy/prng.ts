/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence on every machine,
 * so a fault scenario or a soak plan can be replayed from the seed it printed.
 */
export type Random = () => number

export function mulberry32(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A seed from a command-line argument or environment variable, else a fresh one. */
export function seedFrom(value: string | undefined): number {
  if (value !== undefined && value !== '') {
    const seed = Number(value)
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`bad seed: ${value}`)
    return seed >>> 0
  }
  return Math.floor(Math.random() * 2 ** 31)
}

/** Integer in `[min, max]`. */
export const between = (random: Random, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1))

/** One of `items`. */
export const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]

/** A key of `weights`, chosen in proportion to its weight. */
export function weighted<K extends string>(
  random: Random,
  weights: Readonly<Partial<Record<K, number>>>,
): K {
  const entries = Object.entries(weights) as [K, number][]
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0)
  let point = random() * total
  for (const [key, weight] of entries) {
    point -= weight
    if (point < 0) return key
  }
  return entries[entries.length - 1][0]
}
