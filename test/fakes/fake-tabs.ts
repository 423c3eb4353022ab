import type { ChannelLike, LockManagerLike } from '../../src/tabs'

interface Holder {
  readonly tab: FakeTab
  readonly release: () => void
}

interface Waiter {
  readonly tab: FakeTab
  readonly grant: () => void
}

/**
 * The Web Locks of one origin, shared by fake tabs: exclusive locks by name, waiters
 * served in order, `ifAvailable` answered with null, aborts honoured, and every lock of a
 * tab released when the tab closes (what the browser does when a page goes away).
 */
export class FakeLockManager {
  readonly holders = new Map<string, Holder>()
  private readonly waiters = new Map<string, Waiter[]>()

  tab(): FakeTab {
    return new FakeTab(this)
  }

  held(name: string): boolean {
    return this.holders.has(name)
  }

  /** @internal */
  request(
    tab: FakeTab,
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown> {
    const run = async () => {
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      this.holders.set(name, { tab, release })
      try {
        await Promise.race([callback({ name }), released])
      } finally {
        if (this.holders.get(name)?.tab === tab) this.holders.delete(name)
        this.next(name)
      }
    }
    if (!this.holders.has(name)) return run()
    if (options.ifAvailable) return Promise.resolve(callback(null))
    return new Promise((resolve, reject) => {
      const { signal } = options
      const waiter: Waiter = {
        tab,
        grant: () => {
          signal?.removeEventListener('abort', onAbort)
          run().then(resolve, reject)
        },
      }
      const onAbort = () => {
        const queue = this.waiters.get(name) ?? []
        this.waiters.set(
          name,
          queue.filter((w) => w !== waiter),
        )
        reject(new DOMException('aborted', 'AbortError'))
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      const queue = this.waiters.get(name) ?? []
      queue.push(waiter)
      this.waiters.set(name, queue)
    })
  }

  /** @internal */
  closeTab(tab: FakeTab): void {
    for (const holder of [...this.holders.values()]) if (holder.tab === tab) holder.release()
    for (const [name, queue] of this.waiters) {
      this.waiters.set(
        name,
        queue.filter((w) => w.tab !== tab),
      )
    }
  }

  private next(name: string): void {
    if (this.holders.has(name)) return
    const waiter = this.waiters.get(name)?.shift()
    waiter?.grant()
  }
}

export class FakeTab implements LockManagerLike {
  constructor(private readonly manager: FakeLockManager) {}

  request(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown> {
    return this.manager.request(this, name, options, callback)
  }

  /** The page went away: the browser lets go of every lock it held. */
  close(): void {
    this.manager.closeTab(this)
  }
}

/** BroadcastChannels of one origin: messages reach every other open channel of that name. */
export class FakeBus {
  readonly sent: { name: string; data: unknown }[] = []
  private readonly channels = new Set<{ name: string; channel: FakeChannel }>()

  open = (name: string): ChannelLike => {
    const channel = new FakeChannel(this, name)
    this.channels.add({ name, channel })
    return channel
  }

  /** Delivers like the browser: later, and never to the sender. */
  post(from: FakeChannel, name: string, data: unknown): void {
    this.sent.push({ name, data })
    const copy = structuredClone(data)
    for (const entry of this.channels) {
      if (entry.name === name && entry.channel !== from) {
        queueMicrotask(() => entry.channel.deliver(copy))
      }
    }
  }

  remove(channel: FakeChannel): void {
    for (const entry of this.channels) if (entry.channel === channel) this.channels.delete(entry)
  }
}

export class FakeChannel implements ChannelLike {
  private readonly listeners = new Set<(event: { data: unknown }) => void>()
  closed = false

  constructor(
    private readonly bus: FakeBus,
    private readonly name: string,
  ) {}

  postMessage(message: unknown): void {
    if (this.closed) throw new DOMException('closed', 'InvalidStateError')
    this.bus.post(this, this.name, message)
  }

  addEventListener(_type: 'message', listener: (event: { data: unknown }) => void): void {
    this.listeners.add(listener)
  }

  removeEventListener(_type: 'message', listener: (event: { data: unknown }) => void): void {
    this.listeners.delete(listener)
  }

  deliver(data: unknown): void {
    if (!this.closed) for (const listener of [...this.listeners]) listener({ data })
  }

  /** A crash: no goodbye, messages stop both ways. */
  crash(): void {
    this.closed = true
    this.bus.remove(this)
  }

  close(): void {
    this.closed = true
    this.bus.remove(this)
  }
}
