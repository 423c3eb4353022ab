import type { UploadErrorCode } from '../core'

/** A message: a string with `{param}` placeholders filled from the error's `params`. */
export type Messages = { readonly errors: Readonly<Record<UploadErrorCode, string>> }

/** Overrides per message; anything not given falls back to the locale's own text. */
export type MessageOverrides = { readonly errors?: Partial<Record<UploadErrorCode, string>> }
