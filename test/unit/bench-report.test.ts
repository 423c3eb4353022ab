import { describe, expect, it } from 'vitest'
import { panelSize, renderChart } from '../../bench/chart'
import { planFrom } from '../../bench/plan'
import { replaceSection } from '../../bench/publish'
import { checkTargets, commonSize, renderMarkdown, sizeLabel } from '../../bench/report'
import type { BenchResults, ResumeResult, ThroughputResult } from '../../bench/results'
import { fmtSummary, summarize } from '../../bench/stats'

const one = (median: number, min = median, max = median) => ({
  median,
  min,
  max,
  runs: [min, median, max],
})

function row(
  id: string,
  mibps: number,
  options: Partial<Pick<ThroughputResult, 'network' | 'sizeMiB' | 'ours' | 'family'>> & {
    firstByteMs?: number
    heapMiB?: number
    longestTaskMs?: number
  } = {},
): ThroughputResult {
  return {
    case: id,
    label: `<${id}>`,
    family: options.family ?? 's3',
    ours: options.ours ?? !/uppy|tusjs|xhr/.test(id),
    network: options.network ?? 'none',
    networkLabel: options.network === undefined ? 'unthrottled' : `net ${options.network}`,
    sizeMiB: options.sizeMiB ?? 1024,
    mibps: one(mibps, mibps * 0.9, mibps * 1.1),
    firstByteMs: one(options.firstByteMs ?? 100),
    heapMiB: one(options.heapMiB ?? 5),
    heapBeforeMiB: one(3),
    longestTaskMs: one(options.longestTaskMs ?? 0),
    requestsPerGiB: one(130),
  }
}

function results(throughput: ThroughputResult[]): Omit<BenchResults, 'targets'> {
  return {
    date: '2026-11-21T09:00:00.000Z',
    quick: false,
    runs: 3,
    durationS: 1800,
    machine: { cores: 2, node: '20.20.2', chromium: 'Chromium 156', load: [1, 2] },
    libraryOptions: {},
    throughput,
    resume: [],
    many: [],
    bundles: [
      {
        id: './vue + ./http: UploadPlugin',
        label: 'h',
        ours: true,
        gzip: 14_000,
        minified: 40_000,
      },
      { id: './vue + ./s3: UploadPlugin', label: 's', ours: true, gzip: 16_000, minified: 45_000 },
      { id: 'tus-js-client', label: 't', ours: false, gzip: 15_000, minified: 60_000 },
    ],
  }
}

describe('bench stats', () => {
  it('takes the median of odd and even counts, with min and max', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: [3, 1, 2] })
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5)
    expect(() => summarize([])).toThrow()
  })

  it('formats a summary as median (min–max), a single run as its value', () => {
    expect(fmtSummary(summarize([150, 120.4, 180]))).toBe('150 (120–180)')
    expect(fmtSummary(summarize([4.25]))).toBe('4.3')
  })
})

describe('bench targets', () => {
  it('computes ratios at the largest size both cases ran, and says whether each target is met', () => {
    const figures = results([
      row('s3-off', 100, { sizeMiB: 256 }),
      row('uppy5', 100, { sizeMiB: 256 }),
      row('s3-off', 140),
      row('uppy5', 100),
      row('s3-off', 150, { sizeMiB: 4096, firstByteMs: 250, heapMiB: 20 }),
      row('s3-off', 12, { network: '50ms-100mbit', sizeMiB: 64 }),
      row('uppy6', 10, { network: '50ms-100mbit', sizeMiB: 64 }),
      row('tus-off', 300, { family: 'tus', longestTaskMs: 70 }),
      row('tusjs', 180, { family: 'tus' }),
      row('tusjs-8m', 120, { family: 'tus' }),
    ])
    expect(commonSize(figures, ['s3-off', 'uppy5'], 'none')).toBe(1024)
    const byId = Object.fromEntries(checkTargets(figures).map((t) => [t.id, t]))
    expect(byId['s3-vs-uppy5'].value).toBeCloseTo(1.4)
    expect(byId['s3-vs-uppy5'].met).toBe(true)
    expect(byId['s3-vs-uppy6'].value).toBeCloseTo(1.2)
    expect(byId['s3-vs-uppy6'].met).toBe(false)
    // Against tus-js-client's best (180), not its 8 MiB run.
    expect(byId['tus-off-vs-tusjs'].value).toBeCloseTo(300 / 180)
    expect(byId['tus-on-vs-tusjs'].met).toBeUndefined()
    expect(byId['http-vs-put'].met).toBeUndefined()
    // TTFB and heap come from the largest size our cases ran at (4 GiB here).
    expect(byId.ttfb).toMatchObject({ value: 250, met: true })
    expect(byId.heap).toMatchObject({ value: 20, met: false })
    expect(byId['long-task']).toMatchObject({ value: 70, met: false })
    expect(byId.bundle).toMatchObject({ value: 16, met: false })
  })
})

describe('bench targets: reload at ~50 % and resume', () => {
  const resumed = (
    protocol: ResumeResult['protocol'],
    extraKiB: number[],
    reselectMs: number[],
    didResume = true,
  ): ResumeResult => ({
    protocol,
    sizeMiB: 256,
    extraBytes: summarize(extraKiB.map((k) => k * 1024)),
    reselectToFirstByteMs: summarize(reselectMs),
    resumed: didResume,
  })
  const byId = (resume: ResumeResult[]) =>
    Object.fromEntries(checkTargets({ ...results([]), resume }).map((t) => [t.id, t]))

  it('HTTP extra bytes ≤ 1 MiB and S3 reselect → first byte ≤ 150 ms, from the medians', () => {
    const met = byId([
      resumed('http', [20, 21, 900], [60, 70, 80]),
      resumed('s3', [1, 2, 3], [90, 140, 400]),
    ])
    expect(met['resume-http-extra']).toMatchObject({
      value: 21,
      met: true,
      unit: 'KiB',
      target: '≤ 1024',
    })
    expect(met['resume-s3-first-byte']).toMatchObject({ value: 140, met: true, target: '≤ 150' })
    expect(met['resume-s3-first-byte'].basis).toContain('s3, 256 MiB, median of 3 (90–400)')
    const unmet = byId([
      resumed('http', [2048, 2048, 4096], [1]),
      resumed('s3', [1], [151, 160, 170]),
    ])
    expect(unmet['resume-http-extra']).toMatchObject({ value: 2048, met: false })
    expect(unmet['resume-s3-first-byte']).toMatchObject({ value: 160, met: false })
  })

  it('is not met when a run started over, and not measured when the protocol did not run', () => {
    const checks = byId([resumed('http', [1], [50], false)])
    expect(checks['resume-http-extra']).toMatchObject({ met: false })
    expect(checks['resume-http-extra'].basis).toContain('did NOT resume')
    expect(checks['resume-s3-first-byte'].met).toBeUndefined()
  })
})

describe('bench target: hashing on vs the raw hashing rate', () => {
  it('compares HTTP hashing on with hash-wasm in a Worker at their common size', () => {
    const byId = (rows: ThroughputResult[]) =>
      Object.fromEntries(checkTargets(results(rows)).map((t) => [t.id, t]))
    const hashOnly = row('md5-wasm', 400, { sizeMiB: 256, family: 'limit', ours: false })
    // 4 GiB of http-on alone does not count: md5-wasm ran only at 256 MiB.
    const met = byId([
      row('http-on', 50, { sizeMiB: 4096, family: 'http' }),
      row('http-on', 330, { sizeMiB: 256, family: 'http' }),
      hashOnly,
    ])['http-on-vs-md5']
    expect(met).toMatchObject({ met: true, target: '≥ 0.8' })
    expect(met.value).toBeCloseTo(330 / 400)
    expect(met.basis).toContain('256 MiB')
    const unmet = byId([row('http-on', 200, { sizeMiB: 256, family: 'http' }), hashOnly])
    expect(unmet['http-on-vs-md5']).toMatchObject({ value: 0.5, met: false })
    expect(byId([hashOnly])['http-on-vs-md5'].met).toBeUndefined()
  })

  it("names the machine's own limit (hashing and one PUT at once, no library) when it ran", () => {
    const byId = (rows: ThroughputResult[]) =>
      Object.fromEntries(checkTargets(results(rows)).map((t) => [t.id, t]))
    const rows = [
      row('http-on', 200, { sizeMiB: 256, family: 'http' }),
      row('md5-wasm', 400, { sizeMiB: 256, family: 'limit', ours: false }),
    ]
    expect(byId(rows)['http-on-vs-md5'].basis).not.toContain('limit')
    const withLimit = byId([
      ...rows,
      row('md5-put', 260, { sizeMiB: 256, family: 'limit', ours: false }),
    ])['http-on-vs-md5']
    // The target itself still compares with hashing alone.
    expect(withLimit).toMatchObject({ value: 0.5, met: false })
    expect(withLimit.basis).toContain("the machine's limit, no library: 0.65 × (md5-put 260")
  })
})

describe('bench report and chart', () => {
  const figures = results([
    row('s3-off', 140),
    row('uppy5', 100),
    row('s3-off', 130, { sizeMiB: 256 }),
    row('xhr-put', 400, { family: 'limit' }),
    row('s3-off', 12, { network: '50ms-100mbit', sizeMiB: 64 }),
  ])
  const full: BenchResults = { ...figures, targets: checkTargets(figures) }

  it('renders tables with this library in bold and a dash where a case did not run', () => {
    const md = renderMarkdown(full)
    expect(md.startsWith('## Benchmarks\n')).toBe(true)
    expect(md).toContain('| **<s3-off>** | 130 (117–143) | 140 (126–154) |')
    expect(md).toContain('| <uppy5> | — | 100 (90–110) |')
    expect(md).toContain('### Throughput, net 50ms-100mbit: MiB/s')
    expect(md).toMatch(/S3 vs @uppy\/aws-s3 5.1, unthrottled \| 1.40 × \| ≥ 1.3 × \| yes/)
    // Where the servers kept what they received: it moves the small-file figures.
    expect(md).toContain('keep what they receive in the temp folder')
    const onTmpfs = { ...full, machine: { ...full.machine, storeDir: '/dev/shm' } }
    expect(renderMarkdown(onTmpfs)).toContain('keep what they receive in /dev/shm')
    // A pinned run says so: its long tasks are not comparable with an unpinned one's.
    expect(md).not.toContain('BENCH_PIN')
    const pinned = { ...full, machine: { ...full.machine, pinned: true } }
    expect(renderMarkdown(pinned)).toContain('the page pinned to a core of its own** (`BENCH_PIN`)')
  })

  it('draws one bar per case at the size most cases ran, labels escaped', () => {
    expect(panelSize(full.throughput.filter((r) => r.network === 'none'))).toBe(1024)
    const svg = renderChart(full)
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.match(/<rect [^>]*rx="2"/g)).toHaveLength(4) // 3 unthrottled at 1 GiB + 1 emulated
    expect(svg).toContain('&#60;uppy5&#62;')
    expect(svg).not.toContain('<uppy5>')
    expect(svg).toContain('unthrottled, 1 GiB file')
  })

  it('labels sizes in MiB or GiB', () => {
    expect([sizeLabel(256), sizeLabel(1024), sizeLabel(4096), sizeLabel(1536)]).toEqual([
      '256 MiB',
      '1 GiB',
      '4 GiB',
      '1536 MiB',
    ])
  })

  it("replaces only the README's Benchmarks section", () => {
    const readme = '# x\n\n## Layout\nkeep\n\n## Benchmarks\nold\n\n## After\nkeep too\n'
    expect(replaceSection(readme, '## Benchmarks\nnew\n')).toBe(
      '# x\n\n## Layout\nkeep\n\n## Benchmarks\nnew\n\n## After\nkeep too\n',
    )
    expect(replaceSection('# x\n', '## Benchmarks\nnew')).toBe('# x\n\n## Benchmarks\nnew\n')
  })
})

describe('bench plan', () => {
  it('runs everything by default, bundles first, and publishes only an unfiltered full run', () => {
    const plan = planFrom([])
    expect(plan.publish).toBe(true)
    expect(plan.steps[0].kind).toBe('bundles')
    expect(plan.steps.map((s) => s.kind)).toEqual(
      expect.arrayContaining(['throughput', 'resume', 'many', 'bundles']),
    )
    const sizes = plan.steps.flatMap((s) => (s.kind === 'throughput' ? [s.sizeMiB] : []))
    expect(sizes).toEqual(expect.arrayContaining([256, 1024, 4096]))
    expect(planFrom(['--quick']).publish).toBe(false)
  })

  it('filters suites, cases, sizes and runs, and rejects unknown ones', () => {
    const plan = planFrom(['unthrottled', '--cases=s3-off,uppy5', '--sizes=1024', '--runs=5'])
    expect(plan.steps).toEqual([
      expect.objectContaining({
        kind: 'throughput',
        sizeMiB: 1024,
        cases: ['s3-off', 'uppy5'],
        runs: 5,
      }),
    ])
    expect(plan.publish).toBe(false)
    expect(planFrom(['bundles']).steps).toEqual([{ kind: 'bundles' }])
    expect(() => planFrom(['speed'])).toThrow(/unknown suite/)
    expect(() => planFrom(['--cases=nope'])).toThrow(/unknown case/)
    expect(() => planFrom(['--runs=0'])).toThrow(/runs/)
    expect(() => planFrom(['--fast'])).toThrow(/unknown option/)
  })
})
