import { describe, expect, it } from 'vitest'
import { checkTargets, componentsVsHeadless } from '../../bench/report'
import type { ManyResult } from '../../bench/results'
import { summarize } from '../../bench/stats'
import { manyFigures } from '../fakes/bench'

function many(variant: ManyResult['variant'], done: number, ms: number[]): ManyResult {
  return {
    variant,
    count: 1000,
    done,
    deadlineMs: 45_000,
    sizeBytes: 100_000,
    totalMs: summarize(ms),
    longestTaskMs: summarize([30]),
    longTasksOver50: summarize([0]),
  }
}

describe('many small files: components vs headless target', () => {
  it('is the ratio of median times when both variants finished every file', () => {
    const rows = [
      many('components', 1000, [11_000, 12_000, 30_000]),
      many('composable', 1000, [10_000]),
    ]
    expect(componentsVsHeadless(rows).value).toBeCloseTo(1.2)
    const target = checkTargets(manyFigures(rows)).find((t) => t.id === 'many-components')
    expect(target).toMatchObject({ met: true, unit: '×', target: '≤ 1.2' })
    const slower = [many('components', 1000, [13_000]), many('composable', 1000, [10_000])]
    expect(checkTargets(manyFigures(slower)).find((t) => t.id === 'many-components')?.met).toBe(
      false,
    )
  })

  it('is not met when the components left files undone at the deadline, whatever the times', () => {
    const rows = [many('components', 714, [45_000]), many('composable', 1000, [44_000])]
    const target = checkTargets(manyFigures(rows)).find((t) => t.id === 'many-components')
    expect(target?.met).toBe(false)
    expect(target?.value).toBeUndefined()
    expect(target?.basis).toContain('components 714, headless 1000 of 1000')
  })

  it('is not measured without both variants', () => {
    const target = checkTargets(manyFigures([many('composable', 1000, [1])])).find(
      (t) => t.id === 'many-components',
    )
    expect(target?.met).toBeUndefined()
  })
})

describe('many small files: HTTP headless vs one PUT per file', () => {
  it('is the PUT time over ours, and the PUT baseline never counts as our long task', () => {
    const put = { ...many('put-per-file', 1000, [7_000]), longestTaskMs: summarize([400]) }
    const rows = [put, many('composable', 1000, [10_000])]
    const targets = checkTargets(manyFigures(rows))
    expect(targets.find((t) => t.id === 'many-http-vs-put')).toMatchObject({
      value: 0.7,
      met: true,
    })
    expect(targets.find((t) => t.id === 'long-task')).toMatchObject({ value: 30, met: true })
  })

  it('is not met when ours left files undone', () => {
    const rows = [many('put-per-file', 1000, [7_000]), many('composable', 900, [45_000])]
    expect(checkTargets(manyFigures(rows)).find((t) => t.id === 'many-http-vs-put')?.met).toBe(
      false,
    )
  })
})
