import { describe, expect, it } from 'vitest'
import { en, formatDuration, formatMessage, zhCN, type UiMessages } from '../../src/locales'

describe('component texts', () => {
  it('exist in en and zh-CN for every key, with the same placeholders', () => {
    const keys = Object.keys(en.ui).sort() as (keyof UiMessages)[]
    expect(Object.keys(zhCN.ui).sort()).toEqual(keys)
    const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort()
    for (const key of keys) {
      expect(zhCN.ui[key], key).not.toBe(en.ui[key])
      expect(placeholders(zhCN.ui[key]), key).toEqual(placeholders(en.ui[key]))
    }
  })

  it('fill parameters and honour per-message overrides', () => {
    expect(formatMessage('pendingTitle', { count: 2 })).toBe(
      '2 unfinished upload(s) from an earlier visit',
    )
    expect(formatMessage('pendingTitle', { count: 2 }, 'zh-CN')).toBe('有 2 个上次未完成的上传')
    expect(formatMessage('pause', {}, 'zh-CN', { ui: { pause: '停一下' } })).toBe('停一下')
    expect(formatMessage('resume', {}, 'zh-CN', { ui: { pause: '停一下' } })).toBe('继续')
  })

  it('say time left in whole units, never 0 while something is left', () => {
    expect(formatDuration(0.2)).toBe('1 s')
    expect(formatDuration(58.5)).toBe('59 s')
    expect(formatDuration(59.5)).toBe('1 min')
    expect(formatDuration(61)).toBe('2 min')
    expect(formatDuration(5400, 'zh-CN')).toBe('1.5 小时')
  })
})
