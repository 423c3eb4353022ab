import { computed, toValue, type ComputedRef } from 'vue'
import type { UploadError } from '../core'
import {
  formatDuration,
  formatError,
  formatMessage,
  type LocaleName,
  type MessageOverrides,
  type UiMessages,
} from '../locales'
import { injectUploadContext } from './context'
import { mergeOptions, type UploadOptions } from './options'

/** Options of {@link useUploadMessages}: the language and overrides, merged over the provided ones. */
export type UseUploadMessagesOptions = Pick<UploadOptions, 'locale' | 'messages'>

/** What {@link useUploadMessages} returns: the texts of the chosen locale. */
export interface UseUploadMessagesReturn {
  /** An error's end-user message in the chosen locale (never a raw status or stack). */
  message(error: Pick<UploadError, 'code' | 'params'>): string
  /** A component text in the chosen locale, with `{param}`s filled in. */
  t(key: keyof UiMessages, params?: Record<string, string | number>): string
  /** Seconds left for people (`45 s`, `3 min`), in the chosen locale. */
  duration(seconds: number): string
  /** The chosen locale. @default 'en' */
  readonly locale: ComputedRef<LocaleName>
}

/** The message helpers for options already merged (the composables share them). */
export function createMessages(options: UseUploadMessagesOptions): UseUploadMessagesReturn {
  const locale = computed<LocaleName>(() => toValue(options.locale) ?? 'en')
  const overrides = (): MessageOverrides => toValue(options.messages) ?? {}
  return {
    message: (error) => formatError(error, locale.value, overrides()),
    t: (key, params) => formatMessage(key, params, locale.value, overrides()),
    duration: (seconds) => formatDuration(seconds, locale.value, overrides()),
    locale,
  }
}

/**
 * The texts the components show, in the locale chosen by the plugin, the nearest
 * `provideChunkedUpload` or `options` (a ref or getter switches language live). Needs no
 * engine: usable in any component, also without a backend.
 */
export function useUploadMessages(options: UseUploadMessagesOptions = {}): UseUploadMessagesReturn {
  return createMessages(mergeOptions(injectUploadContext()?.options, options))
}
