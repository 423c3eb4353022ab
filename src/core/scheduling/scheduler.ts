import { sleep } from './clock'
import { abortError, toUploadError, type UploadError } from '../errors'
import { defaultRetryPolicy, retryDelay, shouldRetry, type RetryPolicy } from './retry-policy'
import type { Clock } from '../types'

export interface SchedulerTask<T> {
  /** Tasks of different owners (files) take turns. */
  readonly owner: string
  /** Higher runs first. @default 0 */
  readonly priority?: number
  readonly signal: AbortSignal
  /** One attempt. Its errors decide, through `retryable`, whether another follows. */
  readonly run: (signal: AbortSignal, attempt: number) => Promise<T>
  /**
   * Runs before each attempt takes a slot: work that waits on something else (a status
   * request, a part's MD5) must not hold a slot meanwhile, or it can wait for a slot
   * itself. Its errors count as the attempt's.
   */
  readonly before?: (signal: AbortSignal, attempt: number) => Promise<void>
  readonly onRetry?: (info: { error: UploadError; attempt: number; delayMs: number }) => void
  /** Set false for requests whose failure is itself the answer. @default true */
  readonly retry?: boolean
}

export interface Scheduler {
  run<T>(task: SchedulerTask<T>): Promise<T>
  setConcurrency(limit: number): void
  /** Requests in flight right now. */
  readonly active: number
  readonly waiting: number
  /**
   * True once one request failed the policy's `offlineAfter` times in a row on network-class errors
   * (network, timeout, stalled, offline) with no request succeeding meanwhile, or ran out
   * of attempts on one: the link is taken as down although the browser may say otherwise.
   * Any successful attempt ends it. A burst of parallel requests cut at once by one blip
   * is only one failure each, so a blip is retried, not taken as an outage.
   */
  readonly linkDown: boolean
  /** Owners the scheduler keeps round-robin state for: only those with tasks waiting or running. */
  readonly owners: number
  /**
   * Called with `true` on every network-class failure while the link is down (so a failed
   * probe is heard too), and with `false` when an attempt succeeds again. A listener may
   * abort the failing task's signal: the task then rejects with that reason, not the error.
   */
  onLink(listener: (down: boolean) => void): () => void
  /** Forgets the failure streak, e.g. when the browser says it is back online. */
  resetLink(): void
  dispose(): void
}

interface Waiter {
  readonly priority: number
  readonly start: () => void
}

export interface SchedulerOptions {
  readonly concurrency: number
  readonly clock: Clock
  readonly retry?: RetryPolicy
  readonly random?: () => number
  /** Called when `active` changed (a request started or ended), so views can follow it. */
  readonly onActiveChange?: () => void
}

/** Failures that say nothing about the server, only that bytes did not get through. */
const NETWORK_CODES: ReadonlySet<string> = new Set(['network', 'timeout', 'stalled', 'offline'])

/**
 * The one place that owns concurrency and retry: a global limit of requests in flight
 * across all files, refilled the moment a slot frees, with owners served round-robin and
 * failed attempts retried after backoff without holding a slot. A 429 holds every new
 * start until its Retry-After has passed, since the server spoke for all requests.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { clock } = options
  const policy = options.retry ?? defaultRetryPolicy
  const random = options.random ?? Math.random
  let limit = Math.max(1, Math.floor(options.concurrency))
  let active = 0
  let waiting = 0
  let turn = 0
  let holdUntil = 0
  let cancelHoldTimer: (() => void) | undefined
  // Per-owner FIFO queues; `served` remembers when each owner last got a slot, for as long
  // as it has tasks waiting or running (`busy` counts them), so it never grows with files.
  const queues = new Map<string, Waiter[]>()
  const served = new Map<string, number>()
  const busy = new Map<string, number>()
  const offlineAfter = Math.max(1, Math.floor(policy.offlineAfter ?? 3))
  const linkListeners = new Set<(down: boolean) => void>()
  /** Successful attempts so far: a failure streak only counts while this stands still. */
  let successes = 0
  let linkDown = false

  function tellLink(down: boolean): void {
    for (const listener of [...linkListeners]) listener(down)
  }

  function succeeded(): void {
    successes++
    if (!linkDown) return
    linkDown = false
    tellLink(false)
  }

  /** The link is down (again: a failed probe is told too). */
  function markDown(): void {
    linkDown = true
    tellLink(true)
  }

  function pickOwner(): string | undefined {
    let best: string | undefined
    for (const [owner, queue] of queues) {
      if (best === undefined) {
        best = owner
        continue
      }
      const a = queue[0].priority
      const b = queues.get(best)![0].priority
      if (a > b || (a === b && (served.get(owner) ?? -1) < (served.get(best) ?? -1))) best = owner
    }
    return best
  }

  function pump(): void {
    const now = clock.now()
    // Armed only while a request waits: a hold with no one waiting leaves no timer behind.
    if (holdUntil > now && waiting > 0) {
      cancelHoldTimer ??= clock.setTimeout(() => {
        cancelHoldTimer = undefined
        pump()
      }, holdUntil - now)
      return
    }
    while (active < limit && waiting > 0) {
      const owner = pickOwner()!
      const queue = queues.get(owner)!
      const waiter = queue.shift()!
      if (queue.length === 0) queues.delete(owner)
      served.set(owner, turn++)
      waiting--
      active++
      options.onActiveChange?.()
      waiter.start()
    }
  }

  function acquire(owner: string, priority: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal))
      const waiter: Waiter = {
        priority,
        start: () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      const onAbort = () => {
        const queue = queues.get(owner)
        const at = queue?.indexOf(waiter) ?? -1
        if (queue && at >= 0) {
          queue.splice(at, 1)
          if (queue.length === 0) queues.delete(owner)
          waiting--
          if (waiting === 0) {
            cancelHoldTimer?.()
            cancelHoldTimer = undefined
          }
        }
        reject(abortError(signal))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      let queue = queues.get(owner)
      if (!queue) queues.set(owner, (queue = []))
      // Keep each owner's queue ordered by priority, FIFO within a priority.
      let at = queue.length
      while (at > 0 && queue[at - 1].priority < priority) at--
      queue.splice(at, 0, waiter)
      waiting++
      pump()
    })
  }

  function release(): void {
    active--
    options.onActiveChange?.()
    pump()
  }

  async function run<T>(task: SchedulerTask<T>): Promise<T> {
    busy.set(task.owner, (busy.get(task.owner) ?? 0) + 1)
    try {
      return await attempts(task)
    } finally {
      const left = (busy.get(task.owner) ?? 1) - 1
      if (left > 0) busy.set(task.owner, left)
      else {
        busy.delete(task.owner)
        if (!queues.has(task.owner)) served.delete(task.owner)
      }
    }
  }

  async function attempts<T>(task: SchedulerTask<T>): Promise<T> {
    const { signal } = task
    // This task's network-class failures in a row, and the success count at the first one.
    let networkFailures = 0
    let successesBefore = successes
    for (let attempt = 1; ; attempt++) {
      let error: UploadError
      try {
        if (task.before) await task.before(signal, attempt)
        await acquire(task.owner, task.priority ?? 0, signal)
        try {
          const value = await task.run(signal, attempt)
          succeeded()
          return value
        } finally {
          release()
        }
      } catch (thrown) {
        if (signal.aborted) throw abortError(signal)
        error = toUploadError(thrown)
      }
      // A status on the error is an answer: the server is reachable, whatever it said.
      if (error.status !== undefined) succeeded()
      const exhausted = task.retry !== false && !shouldRetry(policy, attempt, error)
      if (NETWORK_CODES.has(error.code)) {
        if (networkFailures++ === 0) successesBefore = successes
        const outage = networkFailures >= offlineAfter && successes === successesBefore
        // Out of attempts on a network error is no reason to fail the file: the link is
        // down, and the uploader pauses (aborting this task) and probes until it is back.
        if (linkDown || outage || exhausted) markDown()
        if (signal.aborted) throw abortError(signal)
      } else {
        networkFailures = 0
      }
      if (task.retry === false || exhausted) throw error
      const delayMs = retryDelay(policy, attempt, error, random)
      if (error.status === 429 && error.retryAfterMs !== undefined) {
        holdUntil = Math.max(holdUntil, clock.now() + delayMs)
      }
      task.onRetry?.({ error, attempt, delayMs })
      await sleep(clock, delayMs, signal)
    }
  }

  return {
    run,
    setConcurrency(next) {
      limit = Math.max(1, Math.floor(next))
      pump()
    },
    get active() {
      return active
    },
    get waiting() {
      return waiting
    },
    get linkDown() {
      return linkDown
    },
    get owners() {
      return served.size
    },
    onLink(listener) {
      linkListeners.add(listener)
      return () => {
        linkListeners.delete(listener)
      }
    },
    resetLink() {
      linkDown = false
    },
    dispose() {
      linkListeners.clear()
      cancelHoldTimer?.()
      cancelHoldTimer = undefined
    },
  }
}
