import type { InjectionKey } from 'vue'
import type { UiMessages } from '../locales'
import type { UploadError, UploadSnapshot } from '../vue'
import type { FileKind } from './file-kind'
import type { Thumbnails } from './thumbnails'
import type { actionsFor, UploadView } from './upload-labels'

export type Action = ReturnType<typeof actionsFor>[number]

/** What the `item` and `actions` slots of `<UploadProgress>` receive for one upload. */
export interface ItemProps {
  upload: UploadSnapshot
  view: UploadView
  /** The file's kind (from its type, else its extension), which picks the icon. */
  kind: FileKind
  /**
   * A small preview's object URL while the row is in view and the file is an image the
   * browser decodes; revoked by the component when the row goes, so use it, don't keep it.
   */
  thumbnail: string | undefined
  percent: number
  label: string
  message: string | undefined
  actions: readonly Action[]
  act: (action: Action) => void
}

/**
 * What `<UploadProgress>` hands its rows once, instead of per row through props: the rows
 * then re-render only when their own upload's snapshot changes (the engine keeps the
 * snapshot of an unchanged upload as the same object), not on every tick of a long list.
 */
export interface ProgressRowContext {
  t(key: keyof UiMessages, params?: Record<string, string | number>): string
  message(error: Pick<UploadError, 'code' | 'params'>): string
  duration(seconds: number): string
  act(action: Action, upload: UploadSnapshot): void
  /** The file behind an upload, for its thumbnail. */
  file(id: string): Blob | undefined
  /** Absent when thumbnails are off. */
  thumbnails: Thumbnails | undefined
}

export const PROGRESS_ROW: InjectionKey<ProgressRowContext> = Symbol('vcu-progress-row')

export const ACTION_LABELS: Record<Action, keyof UiMessages> = {
  start: 'resume',
  pause: 'pause',
  resume: 'resume',
  retry: 'retry',
  cancel: 'cancel',
  remove: 'remove',
}

export const percentOf = (fraction: number): number =>
  Math.min(100, Math.max(0, Math.floor(fraction * 100)))
