import { abortError, UploadError, type TabLocks } from '../core'

/** The slice of the Web Locks API this adapter uses (lib.dom has it; tests pass fakes). */
export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>
}

/** Options of {@link createWebLocks}. */
export interface WebLocksOptions {
  /** Prefix of every lock name, so other code on the origin never collides. @default 'vue-chunked-upload:' */
  readonly prefix?: string
  /** The lock manager. @default navigator.locks, read on first use */
  readonly locks?: LockManagerLike
}

function unavailable(): UploadError {
  return new UploadError('cross-tab-unavailable', 'Web Locks are not available', {
    retryable: false,
    params: { feature: 'Web Locks' },
  })
}

/**
 * Cross-tab locks on the Web Locks API (`navigator.locks`). A held lock is a pending
 * promise inside the lock callback: releasing resolves it, and the browser releases it
 * by itself when the tab closes or crashes, which is what lets a waiting tab take over.
 * Where the API is missing every call rejects with `cross-tab-unavailable` (the engine
 * warns once and goes on without cross-tab safety). Nothing is touched at import.
 */
export function createWebLocks(options: WebLocksOptions = {}): TabLocks {
  const prefix = options.prefix ?? 'vue-chunked-upload:'
  const manager = (): LockManagerLike => {
    const locks =
      options.locks ??
      (typeof navigator === 'undefined'
        ? undefined
        : (navigator as { locks?: LockManagerLike }).locks)
    if (!locks || typeof locks.request !== 'function') throw unavailable()
    return locks
  }

  /** Resolves with a release function once granted, or undefined when `ifAvailable` found it taken. */
  function hold(
    key: string,
    request: { ifAvailable?: boolean; signal?: AbortSignal },
  ): Promise<(() => void) | undefined> {
    const locks = manager()
    return new Promise((resolve, reject) => {
      locks
        .request(`${prefix}${key}`, request, (lock) => {
          if (!lock) return resolve(undefined)
          return new Promise<void>((release) => resolve(() => release()))
        })
        .catch((error: unknown) =>
          reject(request.signal?.aborted ? abortError(request.signal) : error),
        )
    })
  }

  return {
    tryLock: async (key) => hold(key, { ifAvailable: true }),
    async lock(key, signal) {
      if (signal.aborted) throw abortError(signal)
      const release = await hold(key, { signal })
      return release!
    },
  }
}
