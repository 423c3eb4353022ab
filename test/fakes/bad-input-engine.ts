/**
 * Shared by the bad-input unit tests (bad-input.test.ts, bad-answers.test.ts): an engine on
 * a FakeProtocol with 100-byte parts, polling helpers, and a check that an error reads well
 * in both locales.
 */
import { expect } from 'vitest'
import { type UploadError, type UploaderSnapshot } from '../../src/core'
import { en, formatError, zhCN } from '../../src/locales'
import { scriptedEngine, type ScriptedEngineOptions } from './engine'

export { fileOf, LAST_MODIFIED } from './files'
export { until } from './until'

export function setup(overrides: ScriptedEngineOptions) {
  return scriptedEngine({ concurrency: 1, progressIntervalMs: 10, ...overrides }).uploader
}

export const statusOf = (uploader: { getSnapshot(): UploaderSnapshot }, i = 0) =>
  uploader.getSnapshot().uploads[i]?.status

export const errorOf = (uploader: { getSnapshot(): UploaderSnapshot }, i = 0) => {
  const status = statusOf(uploader, i)
  return status?.state === 'error' ? status.error : undefined
}

/** Both locales have a real sentence for the error: no code, no placeholder left. */
export function expectLocalized(error: UploadError) {
  for (const locale of ['en', 'zh-CN'] as const) {
    const text = formatError(error, locale)
    expect(text.length).toBeGreaterThan(5)
    expect(text).not.toMatch(/\{\w+\}/)
    expect(text).not.toBe(error.code)
  }
  expect(en.errors[error.code]).not.toBe(zhCN.errors[error.code])
}
