import { retryDelay, type RetryPolicy } from '../scheduling/retry-policy'
import type { Scheduler } from '../scheduling/scheduler'
import type { Clock } from '../types'

interface LinkDeps {
  readonly scheduler: Scheduler
  readonly clock: Clock
  readonly policy: RetryPolicy
  /** What the browser says (`navigator.onLine`, through `setOnline`). */
  readonly online: { readonly value: boolean }
  /** Pauses every running or queued upload with reason 'offline'. */
  readonly pauseAll: () => void
  /** Requeues one upload paused 'offline' as a probe; false when there is none. */
  readonly probe: () => boolean
  /** Requeues every upload paused 'offline'. */
  readonly resumeAll: () => void
  readonly touch: () => void
}

/**
 * `navigator.onLine` lies (a captive portal, a dead VPN, Wi-Fi without internet): when
 * the scheduler sees the link down although the browser says online, every upload pauses
 * as offline instead of burning its retries into a failure, and one upload is sent again
 * as a probe after a backoff (the retry policy's delays). The first success resumes all.
 */
export function watchOutages(deps: LinkDeps) {
  const { scheduler, clock } = deps
  let probes = 0
  let cancelProbe: (() => void) | undefined

  function cancel(): void {
    cancelProbe?.()
    cancelProbe = undefined
  }

  function scheduleProbe(): void {
    // One probe at a time: a burst of failures (parallel parts) must not skip delays.
    if (cancelProbe || !deps.online.value) return
    cancelProbe = clock.setTimeout(
      () => {
        cancelProbe = undefined
        if (!deps.online.value || !scheduler.linkDown) return
        if (!deps.probe()) {
          // Nothing left to probe with: the next upload added finds out.
          scheduler.resetLink()
          deps.touch()
        }
      },
      retryDelay(deps.policy, ++probes, {}),
    )
  }

  const off = scheduler.onLink((down) => {
    if (down) {
      deps.pauseAll()
      scheduleProbe()
    } else {
      probes = 0
      cancel()
      deps.resumeAll()
    }
    deps.touch()
  })

  return {
    /** Nothing runs: while the link is down, a probe must be on its way. */
    idle(): void {
      if (scheduler.linkDown) scheduleProbe()
    },
    /** The browser says offline: no probing until it says online again. */
    wentOffline: cancel,
    /** The browser says online again: forget the failures and try everything at once. */
    backOnline(): void {
      probes = 0
      cancel()
      scheduler.resetLink()
    },
    dispose(): void {
      off()
      cancel()
    },
  }
}
