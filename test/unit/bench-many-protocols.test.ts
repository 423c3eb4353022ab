import { describe, expect, it } from 'vitest'
import { fullPlan, planFrom } from '../../bench/plan'
import {
  checkTargets,
  fileSizeLabel,
  headlessVsBaseline,
  renderMarkdown,
  smallFilesRows,
} from '../../bench/report'
import type { ManyResult } from '../../bench/results'
import { summarize } from '../../bench/stats'
import { manyFigures } from '../fakes/bench'

function many(
  variant: ManyResult['variant'],
  protocol: ManyResult['protocol'],
  ms: number,
  {
    count = 1000,
    done = count,
    sizeBytes = 100_000,
    longestTaskMs = 30,
  }: { count?: number; done?: number; sizeBytes?: number; longestTaskMs?: number } = {},
): ManyResult {
  return {
    variant,
    ...(protocol ? { protocol } : {}),
    count,
    done,
    deadlineMs: 60_000,
    sizeBytes,
    totalMs: summarize([ms]),
    longestTaskMs: summarize([longestTaskMs]),
    longTasksOver50: summarize([0]),
  }
}

const figures = (rows: ManyResult[]) => manyFigures(rows, [4, 5])

const target = (rows: ManyResult[], id: string) =>
  checkTargets(figures(rows)).find((t) => t.id === id)

describe('many files over tus and S3: ratios against their baselines', () => {
  it('is the baseline median time over ours, per protocol, met at 1.5×', () => {
    const rows = [
      many('tusjs-per-file', 'tus', 15_000),
      many('composable', 'tus', 10_000),
      many('uppy-s3', 's3', 12_000),
      many('composable', 's3', 10_000),
    ]
    expect(target(rows, 'many-tus-vs-tusjs')).toMatchObject({
      value: 1.5,
      met: true,
      unit: '×',
      target: '≥ 1.5',
    })
    expect(target(rows, 'many-s3-vs-uppy')).toMatchObject({ value: 1.2, met: false })
    // HTTP was not run: its targets are not measured, not borrowed from tus or S3.
    expect(target(rows, 'many-http-vs-put')?.met).toBeUndefined()
    expect(target(rows, 'many-components')?.met).toBeUndefined()
  })

  it('compares the small-files scenario, not 100 × 5 MB of the same protocol', () => {
    const big = { count: 100, sizeBytes: 5_000_000 }
    const rows = [
      many('tusjs-per-file', 'tus', 60_000, big),
      many('composable', 'tus', 10_000, big),
      many('tusjs-per-file', 'tus', 10_000),
      many('composable', 'tus', 10_000),
    ]
    expect(smallFilesRows(rows, 'tus').map((m) => m.sizeBytes)).toEqual([100_000, 100_000])
    expect(headlessVsBaseline(rows, 'tus', 'tusjs-per-file').value).toBe(1)
  })

  it('reads results without a protocol as HTTP (written before tus and S3 joined)', () => {
    const rows = [many('put-per-file', undefined, 7_000), many('composable', undefined, 10_000)]
    expect(target(rows, 'many-http-vs-put')).toMatchObject({ value: 0.7, met: true })
    expect(target(rows, 'many-tus-vs-tusjs')?.met).toBeUndefined()
  })

  it('is not met when ours left files undone, and not measured when the baseline did', () => {
    const oursCut = [many('uppy-s3', 's3', 20_000), many('composable', 's3', 60_000, { done: 600 })]
    expect(target(oursCut, 'many-s3-vs-uppy')?.met).toBe(false)
    expect(target(oursCut, 'many-s3-vs-uppy')?.value).toBeUndefined()
    const baselineShort = [
      many('uppy-s3', 's3', 20_000, { done: 900 }),
      many('composable', 's3', 10_000),
    ]
    const t = target(baselineShort, 'many-s3-vs-uppy')
    expect(t?.met).toBeUndefined()
    expect(t?.basis).toContain('uppy-s3: 900 of 1000 done')
  })

  it('never counts a baseline’s long tasks as ours', () => {
    const rows = [
      many('tusjs-per-file', 'tus', 15_000, { longestTaskMs: 900 }),
      many('uppy-s3', 's3', 15_000, { longestTaskMs: 800 }),
      many('composable', 'tus', 10_000, { longestTaskMs: 40 }),
    ]
    expect(target(rows, 'long-task')).toMatchObject({ value: 40, met: true })
  })
})

describe('many files in the README section', () => {
  it('renders one table per scenario with the protocol and bold library rows', () => {
    const big = { count: 100, sizeBytes: 5_000_000 }
    const rows = [
      many('tusjs-per-file', 'tus', 15_000),
      many('composable', 'tus', 10_000),
      many('uppy-s3', 's3', 30_000, big),
      many('composable', 's3', 20_000, big),
    ]
    const md = renderMarkdown({ ...figures(rows), targets: checkTargets(figures(rows)) })
    expect(md).toContain('### 1,000 files of 100 KB')
    expect(md).toContain('### 100 files of 5 MB')
    expect(md).toContain('| tus | tusjs-per-file | all 1000 | 15.0 |')
    expect(md).toContain('| tus | **composable** | all 1000 | 10.0 |')
    expect(md).toContain('| s3 | uppy-s3 | all 100 | 30.0 |')
    expect(fileSizeLabel(100_000)).toBe('100 KB')
    expect(fileSizeLabel(5_000_000)).toBe('5 MB')
  })

  it('shows files that failed for good apart from a deadline cut', () => {
    const rows = [
      many('uppy-s3', 's3', 14_000),
      { ...many('composable', 's3', 20_000, { done: 999 }), failed: 1 },
    ]
    const md = renderMarkdown({ ...figures(rows), targets: checkTargets(figures(rows)) })
    expect(md).toContain('| s3 | **composable** | **999 of 1000** (1 failed) | 20.0 |')
    expect(target(rows, 'many-s3-vs-uppy')?.met).toBe(false)
  })
})

describe('many files in the plan', () => {
  it('runs 1,000 × 100 KB and 100 × 5 MB over every protocol in the full plan', () => {
    const steps = fullPlan().steps.filter((s) => s.kind === 'many')
    expect(steps.map((s) => [s.count, s.sizeBytes, s.protocols])).toEqual([
      [1000, 100_000, ['http', 'tus', 's3']],
      [100, 5_000_000, ['http', 'tus', 's3']],
    ])
  })

  it('filters by --protocols and --files, and such a run never publishes', () => {
    const plan = planFrom(['many', '--runs=1', '--protocols=tus', '--files=100000'])
    expect(plan.publish).toBe(false)
    expect(plan.steps).toEqual([
      expect.objectContaining({ kind: 'many', count: 1000, protocols: ['tus'], runs: 1 }),
    ])
    const resume = planFrom(['resume', '--protocols=s3']).steps
    expect(resume).toEqual([expect.objectContaining({ kind: 'resume', protocols: ['s3'] })])
    expect(() => planFrom(['--protocols=ftp'])).toThrow(/unknown protocol ftp/)
  })
})
