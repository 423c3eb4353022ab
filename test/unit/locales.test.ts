import { describe, expect, it } from 'vitest'
import { UploadError, type UploadErrorCode } from '../../src/core'
import { en, formatError, zhCN } from '../../src/locales'

describe('error messages', () => {
  it('has an en and a zh-CN message for every code, and no two locales share a text', () => {
    const codes = Object.keys(en.errors) as UploadErrorCode[]
    expect(Object.keys(zhCN.errors).sort()).toEqual([...codes].sort())
    for (const code of codes) {
      expect(zhCN.errors[code]).not.toBe(en.errors[code])
      expect(zhCN.errors[code]).toMatch(/[\u4e00-\u9fff]/)
    }
  })

  it('fills parameters with human sizes and honours overrides', () => {
    const error = new UploadError('file-too-large', 'x', {
      params: { name: 'a.mp4', maxFileSize: 5 * 1024 ** 3 },
    })
    expect(formatError(error)).toBe('a.mp4 is too large (the limit is 5.0 GB).')
    expect(formatError(error, 'zh-CN')).toBe('a.mp4 太大了（上限为 5.0 GB）。')
    expect(formatError(error, 'en', { errors: { 'file-too-large': 'Too big: {name}' } })).toBe(
      'Too big: a.mp4',
    )
  })

  it('never shows a raw status line or a stack', () => {
    const error = new UploadError('server', 'Complete failed with HTTP 502: <html>', {
      status: 502,
    })
    expect(formatError(error)).not.toMatch(/502|html|Error/)
  })
})
