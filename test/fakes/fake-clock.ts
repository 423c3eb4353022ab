import type { Clock } from '../../src/core'

interface Timer {
  at: number
  seq: number
  fn: () => void
}

/** A clock tests drive by hand: time moves only in `advance`, timers fire in order. */
export class FakeClock implements Clock {
  private time = 0
  private seq = 0
  private timers = new Set<Timer>()

  now = (): number => this.time

  setTimeout = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn }
    this.timers.add(timer)
    return () => this.timers.delete(timer)
  }

  get pending(): number {
    return this.timers.size
  }

  /** Moves time forward, firing due timers one by one and letting promises settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    for (;;) {
      await settle()
      const next = [...this.timers]
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (!next) break
      this.timers.delete(next)
      this.time = next.at
      next.fn()
    }
    this.time = end
    await settle()
  }
}

/** Lets every queued promise callback run (a few macrotask turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
}
