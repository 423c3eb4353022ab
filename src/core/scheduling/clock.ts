import { abortError } from '../errors'
import type { Clock } from '../types'

/** The real clock. `globalThis.setTimeout` exists in every runtime the engine supports. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = globalThis.setTimeout(fn, ms)
    return () => globalThis.clearTimeout(handle)
  },
}

/** Waits `ms` on the clock; rejects with the signal's reason as soon as it aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal))
    const onAbort = () => {
      cancel()
      reject(abortError(signal))
    }
    const cancel = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
