/**
 * A queue between the code under test and the test: what the code hands over (a request, a
 * part call) waits here until the test takes it, in the order it came.
 */
export class Handoff<T> {
  private waiters: ((item: T) => void)[] = []
  private unclaimed: T[] = []

  /** Gives `item` to the test waiting longest, or keeps it for the next `take`. */
  give(item: T): void {
    const waiter = this.waiters.shift()
    if (waiter) waiter(item)
    else this.unclaimed.push(item)
  }

  /** The oldest item not yet taken, once there is one. */
  take(): Promise<T> {
    if (this.unclaimed.length > 0) return Promise.resolve(this.unclaimed.shift()!)
    return new Promise((resolve) => this.waiters.push(resolve))
  }
}
