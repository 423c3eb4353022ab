import type { UiMessages } from '../locales'
import type { UploadSnapshot } from '../vue'

/**
 * What a user sees an upload as: the engine's state, with retrying, offline and uploading
 * in another tab told apart.
 */
export type UploadView =
  | 'idle'
  | 'queued'
  | 'preparing'
  | 'hashing'
  | 'uploading'
  | 'retrying'
  | 'paused'
  | 'offline'
  | 'elsewhere'
  | 'completing'
  | 'done'
  | 'error'
  | 'canceled'

/** How `<UploadProgress>` shows an upload: its state, with retrying, offline and elsewhere told apart. */
export function viewOf(upload: UploadSnapshot): UploadView {
  const { status } = upload
  if (status.state === 'uploading' && status.retrying) return 'retrying'
  if (status.state === 'paused' && status.reason === 'offline') return 'offline'
  if (status.state === 'paused' && status.reason === 'elsewhere') return 'elsewhere'
  return status.state
}

export const STATE_KEYS: Record<UploadView, keyof UiMessages> = {
  idle: 'stateIdle',
  queued: 'stateQueued',
  preparing: 'statePreparing',
  hashing: 'stateHashing',
  uploading: 'stateUploading',
  retrying: 'stateRetrying',
  paused: 'statePaused',
  offline: 'stateOffline',
  elsewhere: 'stateElsewhere',
  completing: 'stateCompleting',
  done: 'stateDone',
  error: 'stateError',
  canceled: 'stateCanceled',
}

/** Which controls make sense in each view. */
export function actionsFor(
  view: UploadView,
): ('start' | 'pause' | 'resume' | 'retry' | 'cancel' | 'remove')[] {
  switch (view) {
    case 'idle':
      return ['start', 'cancel']
    case 'queued':
    case 'preparing':
    case 'hashing':
    case 'uploading':
    case 'retrying':
    case 'completing':
      return ['pause', 'cancel']
    case 'paused':
      return ['resume', 'cancel']
    case 'elsewhere':
      // Pausing stops waiting for the other tab; canceling never touches its upload.
      return ['pause', 'cancel']
    case 'offline':
      return ['cancel']
    case 'error':
      return ['retry', 'cancel']
    case 'done':
    case 'canceled':
      return ['remove']
  }
}
