import type { UploadError } from '../core'
import { en } from './en'
import type { MessageOverrides, Messages, UiMessages } from './types'
import { zhCN } from './zh-CN'

export const locales = { en, 'zh-CN': zhCN } as const
/** The built-in locales: `'en'` and `'zh-CN'`. */
export type LocaleName = keyof typeof locales

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** Bytes for people: 1 decimal above KB, binary multiples (what file managers show). */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`
}

const SIZE_PARAMS = new Set([
  'size',
  'maxFileSize',
  'minFileSize',
  'maxPartSize',
  'maxTotalSize',
  'total',
])

/**
 * The end-user message for an error, in the chosen locale, with overrides applied. Never
 * a stack trace or a raw status line: unknown codes fall back to the generic server text.
 */
export function formatError(
  error: Pick<UploadError, 'code' | 'params'>,
  locale: LocaleName = 'en',
  overrides: MessageOverrides = {},
): string {
  const messages: Messages = locales[locale] ?? en
  const template =
    overrides.errors?.[error.code] ?? messages.errors[error.code] ?? messages.errors.server
  // A detail the error does not carry (a server's 413 without its limit) drops the bracketed
  // clause it sits in, so users never see a raw `{placeholder}`.
  const missing = (key: string) => error.params?.[key] === undefined && key !== 'name'
  const clauses = template.replace(/\s*[(（][^()（）]*[)）]/g, (clause) =>
    [...clause.matchAll(/\{(\w+)\}/g)].some(([, key]) => missing(key)) ? '' : clause,
  )
  return clauses.replace(/\{(\w+)\}/g, (match, key: string) => {
    const value = error.params?.[key]
    if (value === undefined) return match === '{name}' ? '' : match
    return SIZE_PARAMS.has(key) && typeof value === 'number' ? formatBytes(value) : String(value)
  })
}

/** Fills `{param}` placeholders; unknown ones are left as they are. */
function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) =>
    params[key] === undefined ? match : String(params[key]),
  )
}

/** A component text (see `UiMessages`) in the chosen locale, with overrides applied. */
export function formatMessage(
  key: keyof UiMessages,
  params: Record<string, string | number> = {},
  locale: LocaleName = 'en',
  overrides: MessageOverrides = {},
): string {
  const messages: Messages = locales[locale] ?? en
  return fill(overrides.ui?.[key] ?? messages.ui[key] ?? en.ui[key], params)
}

/** A time left for people: `45 s`, `3 min`, `2 h` (rounded up, so it never reads 0 while running). */
export function formatDuration(
  seconds: number,
  locale: LocaleName = 'en',
  overrides: MessageOverrides = {},
): string {
  const s = Math.max(0, Math.ceil(seconds))
  if (s < 60) return formatMessage('secondsShort', { n: s }, locale, overrides)
  if (s < 3600) return formatMessage('minutesShort', { n: Math.ceil(s / 60) }, locale, overrides)
  return formatMessage('hoursShort', { n: Math.round((s / 3600) * 10) / 10 }, locale, overrides)
}
