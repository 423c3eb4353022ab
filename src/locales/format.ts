import type { UploadError } from '../core'
import { en } from './en'
import type { MessageOverrides, Messages } from './types'
import { zhCN } from './zh-CN'

export const locales = { en, 'zh-CN': zhCN } as const
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

const SIZE_PARAMS = new Set(['size', 'maxFileSize', 'minFileSize', 'maxPartSize'])

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
  return template.replace(/\{(\w+)\}/g, (match, key: string) => {
    const value = error.params?.[key]
    if (value === undefined) return match === '{name}' ? '' : match
    return SIZE_PARAMS.has(key) && typeof value === 'number' ? formatBytes(value) : String(value)
  })
}
