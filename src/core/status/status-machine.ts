import type { UploadState, UploadStatus } from './upload-state'

/**
 * The per-upload state machine: which states exist, which changes are allowed, and the
 * questions the uploader, the tab guard and the bindings ask of a status. Every status
 * change goes through {@link transition}; nothing else decides what a state means.
 */

/** Every state, in the order an upload usually meets them. */
export const UPLOAD_STATES: readonly UploadState[] = Object.freeze([
  'idle',
  'queued',
  'preparing',
  'hashing',
  'uploading',
  'paused',
  'completing',
  'done',
  'error',
  'canceled',
])

/**
 * Allowed changes, by state. A state may "change" to itself where something inside it
 * changes (`uploading` retrying or not, `paused` for another reason).
 */
export const TRANSITIONS: Readonly<Record<UploadState, readonly UploadState[]>> = Object.freeze({
  // Waits for start(); offline or pause-all leave it alone.
  idle: ['queued', 'canceled'],
  queued: ['preparing', 'paused', 'canceled'],
  preparing: ['hashing', 'uploading', 'done', 'paused', 'error', 'canceled'],
  hashing: ['uploading', 'completing', 'done', 'paused', 'error', 'canceled'],
  // 'done': a small file's one request creates and completes it (`run/small-file.ts`).
  uploading: ['uploading', 'hashing', 'completing', 'done', 'paused', 'error', 'canceled'],
  completing: ['done', 'paused', 'error', 'canceled'],
  // 'preparing': the tab that held the lock let go, this one takes over in the same run.
  paused: ['paused', 'queued', 'preparing', 'error', 'canceled'],
  done: [],
  error: ['queued', 'canceled'],
  canceled: [],
})

const ACTIVE_STATES: ReadonlySet<UploadState> = new Set([
  'preparing',
  'hashing',
  'uploading',
  'completing',
])

/** Thrown by {@link transition} on a change the table does not allow, when checks are strict. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError'
  constructor(
    readonly from: UploadState,
    readonly to: UploadState,
  ) {
    super(`Illegal upload status change: ${from} → ${to}`)
  }
}

/**
 * Whether an illegal change throws. Tests turn it on (`test/setup.unit.ts`) so any path
 * that breaks the table fails loudly; in apps the change is applied as before, since
 * throwing from deep inside a run would strand the upload instead.
 */
export const statusChecks = { strict: false }

/** Whether the table allows `from` → `to`. */
export function canTransition(from: UploadState, to: UploadState): boolean {
  return TRANSITIONS[from].includes(to)
}

/** Checks a status change against the table; returns the new status to store. */
export function transition(from: UploadStatus, to: UploadStatus): UploadStatus {
  if (statusChecks.strict && !canTransition(from.state, to.state)) {
    throw new IllegalTransitionError(from.state, to.state)
  }
  return to
}

/** A run is working on it: identifying, hashing for a claim or check, sending, completing. */
export function isActive(state: UploadState): boolean {
  return ACTIVE_STATES.has(state)
}

/** Nothing more will happen to it unless the user acts (retry an error). */
export function isFinished(state: UploadState): boolean {
  return state === 'done' || state === 'error' || state === 'canceled'
}

/** Still counts as in the uploader: it blocks a duplicate add and counts toward `maxFiles`. */
export function isLive(state: UploadState): boolean {
  return state !== 'done' && state !== 'canceled'
}

/** `start()` applies: added with `autoStart` off, or paused by the user. */
export function canStart(status: UploadStatus): boolean {
  return status.state === 'idle' || (status.state === 'paused' && status.reason === 'user')
}

/**
 * `pause()` (or going offline) applies: queued or running, or waiting for another tab.
 * Never an idle upload: pausing and resuming must not start what the user has not started.
 */
export function canPause(status: UploadStatus): boolean {
  return (
    status.state === 'queued' ||
    isActive(status.state) ||
    (status.state === 'paused' && status.reason === 'elsewhere')
  )
}

/** `resume()` applies: paused, and for an offline pause only once back online. */
export function canResume(status: UploadStatus, online: boolean): boolean {
  return status.state === 'paused' && (online || status.reason === 'user')
}

/** `retry()` applies. */
export function canRetry(status: UploadStatus): boolean {
  return status.state === 'error'
}

/** `cancel()` applies. */
export function canCancel(status: UploadStatus): boolean {
  return status.state !== 'done' && status.state !== 'canceled'
}

/** Paused because the network is gone; comes back by itself. */
export function isPausedOffline(status: UploadStatus): boolean {
  return status.state === 'paused' && status.reason === 'offline'
}

/** Paused while another tab sends the same file. */
export function isWaitingElsewhere(status: UploadStatus): boolean {
  return status.state === 'paused' && status.reason === 'elsewhere'
}

/** Other tabs hear of it: this tab is sending it, or just finished it. */
export function isPublished(state: UploadState): boolean {
  return isActive(state) || state === 'done'
}
