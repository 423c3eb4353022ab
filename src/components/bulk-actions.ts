import type { UiMessages } from '../locales'
import type { UploadSnapshot } from '../vue'

/**
 * A button of `<UploadProgress>` that acts on every upload, named by the composable's verb
 * it runs: `pause()`, `resume()`, `retry()` (no id: all), `removeFinished()`.
 */
export type BulkAction = 'pause' | 'resume' | 'retry' | 'removeFinished'

/** The order the buttons are shown in. */
export const BULK_ORDER: readonly BulkAction[] = ['pause', 'resume', 'retry', 'removeFinished']

export const BULK_LABELS: Record<BulkAction, keyof UiMessages> = {
  pause: 'pauseAll',
  resume: 'resumeAll',
  retry: 'retryAll',
  removeFinished: 'clearFinished',
}

/**
 * Which buttons would change something now, by the same rules the engine applies to each
 * upload: pause what is queued, running or waiting for another tab; resume what the user
 * paused (or the network, once back); retry what failed; clear what is done or canceled.
 */
export function bulkActionsFor(uploads: readonly UploadSnapshot[], online: boolean): BulkAction[] {
  const can = new Set<BulkAction>()
  for (const { status } of uploads) {
    const { state } = status
    if (state === 'paused') {
      if (status.reason === 'elsewhere') can.add('pause')
      else if (online || status.reason === 'user') can.add('resume')
    } else if (state === 'error') can.add('retry')
    else if (state === 'done' || state === 'canceled') can.add('removeFinished')
    else if (state !== 'idle') can.add('pause')
  }
  return BULK_ORDER.filter((action) => can.has(action))
}
