/** Half-open ranges `[start, end)` of chunk indices, sorted and non-adjacent. */
export type ChunkRanges = Array<[number, number]>

/**
 * Which chunks of one upload are held. A bitmap (at most 10,000 chunks, so ≤ 1.25 KB) for
 * O(1) checks while bytes stream in; ranges are only built for answers and for the meta file.
 */
export class ChunkSet {
  private readonly bits: Uint8Array
  private held = 0

  constructor(readonly count: number) {
    this.bits = new Uint8Array(Math.ceil(count / 8))
  }

  /** Rebuilds a set from ranges read back from disk, ignoring anything out of bounds. */
  static fromRanges(count: number, ranges: unknown): ChunkSet {
    const set = new ChunkSet(count)
    if (!Array.isArray(ranges)) return set
    for (const range of ranges) {
      if (!Array.isArray(range) || range.length !== 2) continue
      const [start, end] = range as unknown[]
      if (!Number.isInteger(start) || !Number.isInteger(end)) continue
      for (let i = Math.max(0, start as number); i < Math.min(count, end as number); i++) set.add(i)
    }
    return set
  }

  has(index: number): boolean {
    return (this.bits[index >> 3] & (1 << (index & 7))) !== 0
  }

  add(index: number): void {
    if (this.has(index)) return
    this.bits[index >> 3] |= 1 << (index & 7)
    this.held++
  }

  get size(): number {
    return this.held
  }

  get full(): boolean {
    return this.held === this.count
  }

  /** Held chunks as ranges. */
  ranges(): ChunkRanges {
    return this.collect(true)
  }

  /** Missing chunks as ranges. */
  missing(): ChunkRanges {
    return this.collect(false)
  }

  private collect(wanted: boolean): ChunkRanges {
    const out: ChunkRanges = []
    let start = -1
    for (let i = 0; i <= this.count; i++) {
      const match = i < this.count && this.has(i) === wanted
      if (match && start < 0) start = i
      else if (!match && start >= 0) {
        out.push([start, i])
        start = -1
      }
    }
    return out
  }
}
