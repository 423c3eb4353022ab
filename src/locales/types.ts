import type { UploadErrorCode } from '../core'

/** The texts the components show, besides error messages. `{param}` placeholders are filled in. */
export interface UiMessages {
  /** Dropzone label (the button's accessible name). */
  readonly dropTitle: string
  readonly dropHint: string
  readonly dropActive: string
  /** Under the dropzone: `{accept}`, `{maxFileSize}`, `{maxFiles}`, `{maxTotalSize}` when set. */
  readonly acceptHint: string
  readonly sizeHint: string
  readonly countHint: string
  readonly totalHint: string
  /** Announced when files are added: `{count}`. */
  readonly added: string
  readonly rejectedTitle: string
  readonly total: string
  /** `{done}` of `{size}`. */
  readonly bytesOf: string
  /** `{speed}` per second. */
  readonly speed: string
  /** `{eta}` left. */
  readonly eta: string
  readonly resumedBadge: string
  readonly pause: string
  readonly resume: string
  readonly cancel: string
  readonly retry: string
  readonly remove: string
  /** The group of buttons for all uploads (its accessible name). */
  readonly bulkLabel: string
  readonly pauseAll: string
  readonly resumeAll: string
  readonly retryAll: string
  /** Removes done and canceled uploads from the list. */
  readonly clearFinished: string
  readonly noUploads: string
  /** Under a long list, how many uploads are not shown yet: `{count}`. */
  readonly moreUploads: string
  /** The button that shows the next page of a long list: `{count}` more. */
  readonly showMore: string
  readonly stateIdle: string
  readonly stateQueued: string
  readonly statePreparing: string
  readonly stateHashing: string
  readonly stateUploading: string
  readonly stateRetrying: string
  readonly statePaused: string
  readonly stateOffline: string
  /** Another tab is uploading the same file; this one takes over if that tab closes. */
  readonly stateElsewhere: string
  readonly stateCompleting: string
  readonly stateDone: string
  readonly stateError: string
  readonly stateCanceled: string
  /** Progress bar value text: `{percent}`, `{state}`. */
  readonly valueText: string
  /** Live announcements: `{name}`. */
  readonly announceDone: string
  readonly announceError: string
  readonly announcePaused: string
  readonly announceOffline: string
  readonly offlineBanner: string
  /** Resume banner: `{count}`. */
  readonly pendingTitle: string
  /** `{uploaded}` of `{size}` sent, saved `{date}`. */
  readonly pendingDetail: string
  readonly pendingResume: string
  readonly pendingReselect: string
  readonly pendingClear: string
  readonly pendingLater: string
  /** Announced when a pending upload is cleared: `{name}`. */
  readonly pendingCleared: string
  /** Shown for a pending upload whose clear is waiting for the server. */
  readonly pendingClearing: string
  /** The button that shows pending uploads hidden with "Later": `{count}`. */
  readonly pendingShowHidden: string
  /** Next to "Reselect file" where the browser has no File System Access to reopen files. */
  readonly pendingNoFileAccess: string
  /** Shown while a chosen file is checked against the record. */
  readonly pendingChecking: string
  readonly secondsShort: string
  readonly minutesShort: string
  readonly hoursShort: string
}

/** A message: a string with `{param}` placeholders filled from the error's `params`. */
export type Messages = {
  readonly errors: Readonly<Record<UploadErrorCode, string>>
  readonly ui: UiMessages
}

/** Overrides per message; anything not given falls back to the locale's own text. */
export type MessageOverrides = {
  readonly errors?: Partial<Record<UploadErrorCode, string>>
  readonly ui?: Partial<UiMessages>
}
