/**
 * Turns a run's results into the target checks and the README's benchmark section
 * (Markdown). Pure: no I/O, so tests feed it made-up results.
 */
import { isVuePlusProtocol } from './bundles'
import type {
  BenchResults,
  ManyResult,
  ManyVariant,
  ResumeResult,
  TargetCheck,
  ThroughputResult,
} from './results'
import { fmt, fmtSummary } from './stats'

type Figures = Omit<BenchResults, 'targets'>

const GiB_MiB = 1024

/** A size in MiB for people: 256 MiB, 1 GiB, 4 GiB. */
export function sizeLabel(mib: number): string {
  return mib >= GiB_MiB && mib % GiB_MiB === 0 ? `${mib / GiB_MiB} GiB` : `${mib} MiB`
}

function find(figures: Figures, id: string, network: string, sizeMiB: number) {
  return figures.throughput.find(
    (r) => r.case === id && r.network === network && r.sizeMiB === sizeMiB,
  )
}

/** The largest size at which all of `ids` ran under `network`, or undefined. */
export function commonSize(figures: Figures, ids: readonly string[], network: string) {
  const sizes = [...new Set(figures.throughput.map((r) => r.sizeMiB))].sort((a, b) => b - a)
  return sizes.find((size) => ids.every((id) => find(figures, id, network, size)))
}

/** Median MiB/s of `id` over the best of `baselines`, at their largest common size. */
function ratio(
  figures: Figures,
  id: string,
  baselines: readonly string[],
  network: string,
): { value?: number; basis: string } {
  const size = commonSize(figures, [id, ...baselines], network)
  if (size === undefined) return { basis: 'not measured in this run' }
  const ours = find(figures, id, network, size)!
  const best = baselines
    .map((b) => find(figures, b, network, size)!)
    .reduce((a, b) => (b.mibps.median > a.mibps.median ? b : a))
  return {
    value: ours.mibps.median / best.mibps.median,
    basis: `${id} ${fmt(ours.mibps.median)} / ${best.case} ${fmt(best.mibps.median)} MiB/s, ${sizeLabel(size)}`,
  }
}

/**
 * Adds to `figure`'s basis what the machine itself reached for the same ratio (`ceiling`:
 * a no-library case measured in the same run), when it was measured.
 */
function withCeiling(
  figure: { value?: number; basis: string },
  ceiling: { value?: number; basis: string },
): { value?: number; basis: string } {
  if (figure.value === undefined || ceiling.value === undefined) return figure
  return {
    ...figure,
    basis: `${figure.basis}; the machine's limit, no library: ${fmt(ceiling.value, 2)} × (${ceiling.basis})`,
  }
}

function check(
  id: string,
  label: string,
  figure: { value?: number; basis: string; unmet?: boolean },
  unit: string,
  op: '≥' | '≤',
  limit: number,
): TargetCheck {
  const { unmet, ...shown } = figure
  const met = unmet
    ? false
    : figure.value === undefined
      ? undefined
      : op === '≥'
        ? figure.value >= limit
        : figure.value <= limit
  return { id, label, ...shown, unit, target: `${op} ${limit}`, met }
}

/** Our cases at the largest unthrottled size any of them ran at. */
function oursAtLargest(figures: Figures): { size?: number; rows: ThroughputResult[] } {
  const ours = figures.throughput.filter((r) => r.ours && r.network === 'none')
  const size = Math.max(...ours.map((r) => r.sizeMiB))
  return ours.length ? { size, rows: ours.filter((r) => r.sizeMiB === size) } : { rows: [] }
}

function worst(
  rows: readonly ThroughputResult[],
  pick: (r: ThroughputResult) => number,
  what: string,
  size?: number,
): { value?: number; basis: string } {
  if (rows.length === 0) return { basis: 'not measured in this run' }
  const row = rows.reduce((a, b) => (pick(b) > pick(a) ? b : a))
  return {
    value: pick(row),
    basis: `worst of our ${rows.length} cases: ${row.case}${size ? `, ${sizeLabel(size)}` : ''} (${what})`,
  }
}

type ManyProtocol = NonNullable<ManyResult['protocol']>

/**
 * The small-files scenario of `protocol`: its rows (results without a protocol are HTTP)
 * at the smallest file size the run measured, so 1,000 × 100 KB and not 100 × 5 MB.
 */
export function smallFilesRows(many: readonly ManyResult[], protocol: ManyProtocol): ManyResult[] {
  const rows = many.filter((m) => (m.protocol ?? 'http') === protocol)
  if (rows.length === 0) return []
  const size = Math.min(...rows.map((m) => m.sizeBytes))
  return rows.filter((m) => m.sizeBytes === size)
}

const filesLabel = (m: ManyResult) =>
  `${m.count.toLocaleString('en')} × ${fileSizeLabel(m.sizeBytes)}`

/** A file size in decimal units, as the scenarios are named: 100 KB, 5 MB. */
export function fileSizeLabel(bytes: number): string {
  return bytes >= 1_000_000 ? `${fmt(bytes / 1_000_000, 0)} MB` : `${fmt(bytes / 1000, 0)} KB`
}

/**
 * Many small files through the components against the same files headless (composable, no
 * rows), over HTTP: the median time ratio, when both variants finished every file; a variant
 * cut at its deadline has no time to compare, so the target is then reported as not met.
 */
export function componentsVsHeadless(many: readonly ManyResult[]): {
  value?: number
  basis: string
  /** Set when a variant did not finish: the target is not met, whatever the times. */
  unmet?: boolean
} {
  const rows = smallFilesRows(many, 'http')
  const ui = rows.find((m) => m.variant === 'components')
  const headless = rows.find((m) => m.variant === 'composable')
  if (!ui || !headless) return { basis: 'not measured in this run' }
  const files = `${ui.count.toLocaleString('en')} files of ${Math.round(ui.sizeBytes / 1000)} KB`
  if (ui.done < ui.count || headless.done < headless.count)
    return {
      unmet: true,
      basis: `${files}: not all done (components ${ui.done}, headless ${headless.done} of ${ui.count})`,
    }
  return {
    value: ui.totalMs.median / headless.totalMs.median,
    basis: `${files}, all done: median ${fmt(ui.totalMs.median / 1000, 1)} s vs ${fmt(headless.totalMs.median / 1000, 1)} s`,
  }
}

/**
 * Many small files headless over `protocol` against a baseline on the same files: the
 * baseline's median time over ours, so ≥ 1 means as fast as the baseline. Not met when ours
 * left files undone; not measured when the baseline did (no time to compare against).
 */
export function headlessVsBaseline(
  many: readonly ManyResult[],
  protocol: ManyProtocol,
  baseline: ManyVariant,
): { value?: number; basis: string; unmet?: boolean } {
  const rows = smallFilesRows(many, protocol)
  const headless = rows.find((m) => m.variant === 'composable')
  const base = rows.find((m) => m.variant === baseline)
  if (!headless || !base) return { basis: 'not measured in this run' }
  if (headless.done < headless.count)
    return {
      unmet: true,
      basis: `${filesLabel(headless)}, headless: ${headless.done} of ${headless.count} done`,
    }
  if (base.done < base.count)
    return { basis: `${filesLabel(base)}, ${baseline}: ${base.done} of ${base.count} done` }
  return {
    value: base.totalMs.median / headless.totalMs.median,
    basis: `${filesLabel(headless)}: median ${fmt(base.totalMs.median / 1000, 1)} s (${baseline}) vs ${fmt(headless.totalMs.median / 1000, 1)} s`,
  }
}

/**
 * Many small files headless over HTTP against one XHR PUT per file (the limit): PUT median
 * time over ours, so ≥ 1 would match the limit; not met when ours left files undone.
 */
export function headlessVsPutPerFile(many: readonly ManyResult[]) {
  return headlessVsBaseline(many, 'http', 'put-per-file')
}

/**
 * One protocol's reload-and-resume figure (its median over runs); not met when a run
 * started over instead of resuming, whatever the figure.
 */
export function resumeFigure(
  resume: readonly ResumeResult[],
  protocol: ResumeResult['protocol'],
  pick: 'extraKiB' | 'reselectMs',
): { value?: number; basis: string; unmet?: boolean } {
  const row = resume.find((r) => r.protocol === protocol)
  if (!row) return { basis: 'not measured in this run' }
  const summary = pick === 'extraKiB' ? row.extraBytes : row.reselectToFirstByteMs
  const scale = pick === 'extraKiB' ? 1 / 1024 : 1
  const range = `${fmt(summary.min * scale)}–${fmt(summary.max * scale)}`
  return {
    value: summary.median * scale,
    basis: `${protocol}, ${sizeLabel(row.sizeMiB)}, median of ${summary.runs.length} (${range})${row.resumed ? '' : '; a run did NOT resume'}`,
    unmet: !row.resumed,
  }
}

/** The many-files baselines: none of their time or tasks is ours. */
export const MANY_BASELINES: readonly ManyVariant[] = ['put-per-file', 'tusjs-per-file', 'uppy-s3']

export function checkTargets(figures: Figures): TargetCheck[] {
  const largest = oursAtLargest(figures)
  const oursAll = figures.throughput.filter((r) => r.ours)
  const longest = worst(
    oursAll,
    (r) => r.longestTaskMs.max,
    'max over runs, every size and network',
  )
  const many = figures.many
  // The baselines are not ours: their tasks do not count.
  const oursMany = many.filter((m) => !MANY_BASELINES.includes(m.variant))
  const longestValue = Math.max(longest.value ?? 0, ...oursMany.map((m) => m.longestTaskMs.max))
  const bundles = figures.bundles.filter((b) => isVuePlusProtocol(b.id))
  const biggest = bundles.length ? bundles.reduce((a, b) => (b.gzip > a.gzip ? b : a)) : undefined
  return [
    check(
      's3-vs-uppy5',
      'S3 vs @uppy/aws-s3 5.1, unthrottled',
      ratio(figures, 's3-off', ['uppy5'], 'none'),
      '×',
      '≥',
      1.3,
    ),
    check(
      's3-vs-uppy6',
      'S3 vs @uppy/aws-s3 6, 50 ms / 100 Mbit/s',
      ratio(figures, 's3-off', ['uppy6'], '50ms-100mbit'),
      '×',
      '≥',
      1.5,
    ),
    check(
      'tus-off-vs-tusjs',
      'tus, hashing off, vs tus-js-client (best of defaults, 8 MiB)',
      ratio(figures, 'tus-off', ['tusjs', 'tusjs-8m'], 'none'),
      '×',
      '≥',
      1.5,
    ),
    check(
      'tus-on-vs-tusjs',
      'tus, hashing on, vs tus-js-client (best)',
      ratio(figures, 'tus-on', ['tusjs', 'tusjs-8m'], 'none'),
      '×',
      '≥',
      1.1,
    ),
    check(
      'http-vs-put',
      'HTTP, hashing off, vs one XHR PUT',
      ratio(figures, 'http-off', ['xhr-put'], 'none'),
      '×',
      '≥',
      0.8,
    ),
    check(
      'tus-vs-put',
      'tus, hashing off, vs one XHR PUT',
      ratio(figures, 'tus-off', ['xhr-put'], 'none'),
      '×',
      '≥',
      0.8,
    ),
    check(
      'http-on-vs-md5',
      'HTTP, hashing on (defaults), vs raw hash-wasm MD5 in a Worker',
      withCeiling(
        ratio(figures, 'http-on', ['md5-wasm'], 'none'),
        ratio(figures, 'md5-put', ['md5-wasm'], 'none'),
      ),
      '×',
      '≥',
      0.8,
    ),
    check(
      'ttfb',
      `time to first byte${largest.size ? ` at ${sizeLabel(largest.size)}` : ''}`,
      worst(largest.rows, (r) => r.firstByteMs.median, 'median', largest.size),
      'ms',
      '≤',
      300,
    ),
    check(
      'heap',
      `peak JS heap${largest.size ? ` at ${sizeLabel(largest.size)}` : ''}`,
      worst(largest.rows, (r) => r.heapMiB.max, 'max over runs', largest.size),
      'MiB',
      '≤',
      16,
    ),
    check(
      'resume-http-extra',
      'reload at ~50 %, HTTP: extra bytes sent (1 MiB)',
      resumeFigure(figures.resume, 'http', 'extraKiB'),
      'KiB',
      '≤',
      1024,
    ),
    check(
      'resume-s3-first-byte',
      'reload at ~50 %, S3: reselect → first byte',
      resumeFigure(figures.resume, 's3', 'reselectMs'),
      'ms',
      '≤',
      150,
    ),
    check(
      'many-http-vs-put',
      'many small files, HTTP headless vs one XHR PUT per file',
      headlessVsPutPerFile(many),
      '×',
      '≥',
      0.7,
    ),
    check(
      'many-tus-vs-tusjs',
      'many small files, tus headless vs tus-js-client (one Upload per file)',
      headlessVsBaseline(many, 'tus', 'tusjs-per-file'),
      '×',
      '≥',
      1.5,
    ),
    check(
      'many-s3-vs-uppy',
      "many small files, S3 headless vs Uppy's S3 uploader (@uppy/aws-s3 6)",
      headlessVsBaseline(many, 's3', 'uppy-s3'),
      '×',
      '≥',
      1.5,
    ),
    check(
      'many-components',
      'many small files: <UploadProgress> vs headless, all done',
      componentsVsHeadless(many),
      '×',
      '≤',
      1.2,
    ),
    check(
      'long-task',
      'longest main-thread task',
      oursAll.length || oursMany.length
        ? {
            value: longestValue,
            basis: `${longest.value ? longest.basis : `none over 50 ms in our ${oursAll.length} throughput cases`}${oursMany.map((m) => `; ${filesLabel(m)} ${m.protocol ?? 'http'}, ${m.variant}: ${fmt(m.longestTaskMs.max, 0)} ms`).join('')}`,
          }
        : { basis: 'not measured in this run' },
      'ms',
      '≤',
      50,
    ),
    check(
      'bundle',
      'core + vue + one protocol, gzip',
      biggest
        ? {
            value: biggest.gzip / 1000,
            basis: `largest of the ${bundles.length} ./vue + one protocol entries: ${biggest.id}`,
          }
        : { basis: 'not measured in this run' },
      'kB',
      '≤',
      15,
    ),
  ]
}

const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')

const bold = (ours: boolean, text: string) => (ours ? `**${text}**` : text)

/** The README's `## Benchmarks` section, from one run's results. */
export function renderMarkdown(
  results: BenchResults,
  chartPath = 'bench/results/chart.svg',
): string {
  const out: string[] = ['## Benchmarks', '']
  const m = results.machine
  out.push(
    `\`npm run bench\` runs every case below in one headless Chromium (${m.chromium}), side by side against the same servers on 127.0.0.1, with disk-backed files of random bytes (the servers keep what they receive ${m.storeDir ? `in ${m.storeDir}` : 'in the temp folder'}); cases are interleaved so a noisy neighbour hurts all alike. ` +
      `\`npm run bench -- --quick\` is a small check; \`npm run bench -- --help\` lists the filters. ` +
      `This run: ${results.date.slice(0, 16).replace('T', ' ')} UTC, ${m.cores} shared cores (load ${fmt(m.load[0], 1)} → ${fmt(m.load[1], 1)}), Node ${m.node}, ${results.runs} run${results.runs > 1 ? 's' : ''} per case unless a column says otherwise, ${Math.round(results.durationS / 60)} min${results.quick ? ', **quick mode**' : ''}${m.pinned ? ', **the page pinned to a core of its own** (`BENCH_PIN`)' : ''}. ` +
      `Figures are medians with min–max; **bold** rows are this library. Differences under ~20 % are noise on this shared machine unless they repeat. ` +
      `Unthrottled means loopback: Chromium and the servers share the same cores (the local S3, s3rver, MD5s every part on write and copies the parts on Complete), so those figures measure client plus server CPU, not a network; the emulated rows add Chromium's latency and bandwidth limits.`,
    '',
    `![Upload throughput, MiB/s](${chartPath})`,
    '',
  )

  out.push('### Targets', '')
  out.push(
    table(
      ['target', 'measured', 'goal', 'met', 'from'],
      results.targets.map((t) => [
        t.label,
        t.value === undefined
          ? '—'
          : `${fmt(t.value, t.unit === '×' ? 2 : autoUnitDigits(t.value))} ${t.unit}`,
        `${t.target} ${t.unit}`,
        t.met === undefined ? 'not measured' : t.met ? 'yes' : '**no**',
        t.basis,
      ]),
    ),
    '',
  )

  const networks = [
    ...new Map(results.throughput.map((r) => [r.network, r.networkLabel])).entries(),
  ]
  for (const [network, networkLabel] of networks) {
    const rows = results.throughput.filter((r) => r.network === network)
    const sizes = [...new Set(rows.map((r) => r.sizeMiB))].sort((a, b) => a - b)
    const cases = [...new Map(rows.map((r) => [r.case, r])).values()]
    out.push(`### Throughput, ${networkLabel}: MiB/s`, '')
    out.push(
      table(
        [
          'case',
          ...sizes.map((size) => {
            const single = rows
              .filter((r) => r.sizeMiB === size)
              .every((r) => r.mibps.runs.length === 1)
            return single && results.runs > 1 ? `${sizeLabel(size)} (1 run)` : sizeLabel(size)
          }),
        ],
        cases.map((c) => [
          bold(c.ours, c.label),
          ...sizes.map((size) => {
            const r = rows.find((x) => x.case === c.case && x.sizeMiB === size)
            return r ? `${fmtSummary(r.mibps)}${r.failed ? ` (${r.failed} failed)` : ''}` : '—'
          }),
        ]),
      ),
      '',
    )
    if (network !== 'none') continue
    out.push(
      `Per upload at the largest size each case ran (unthrottled): time from adding the file to the first request carrying file bytes; peak JS heap of the page's main thread (CDP, sampled every 50 ms; "heap before" is the bench page at rest, with every uploader loaded); longest main-thread task (PerformanceObserver \`longtask\`, which reports only tasks over 50 ms); requests per GiB.`,
      '',
    )
    out.push(
      table(
        [
          'case',
          'size',
          'first byte, ms',
          'peak heap, MiB',
          'heap before, MiB',
          'longest task, ms',
          'requests / GiB',
        ],
        cases.map((c) => {
          const size = Math.max(...rows.filter((r) => r.case === c.case).map((r) => r.sizeMiB))
          const r = rows.find((x) => x.case === c.case && x.sizeMiB === size)!
          return [
            bold(c.ours, c.label),
            sizeLabel(size),
            fmtSummary(r.firstByteMs, 0),
            fmtSummary(r.heapMiB, 1),
            fmt(r.heapBeforeMiB.median, 1),
            r.longestTaskMs.max === 0 ? 'none > 50' : fmtSummary(r.longestTaskMs, 0),
            fmt(r.requestsPerGiB.median, 0),
          ]
        }),
      ),
      '',
    )
  }

  if (results.resume.length) {
    out.push(
      '### Reload at ~50 % and resume',
      '',
      'The page is reloaded once the servers hold half the file; the same file is then chosen again. "Extra bytes" is everything the servers received beyond the file size: re-sent bytes plus every request\'s headers.',
      '',
      table(
        ['protocol', 'size', 'extra bytes, KiB', 'reselect → first byte, ms', 'resumed'],
        results.resume.map((r) => [
          r.protocol,
          sizeLabel(r.sizeMiB),
          fmtSummary(
            {
              ...r.extraBytes,
              median: r.extraBytes.median / 1024,
              min: r.extraBytes.min / 1024,
              max: r.extraBytes.max / 1024,
            },
            0,
          ),
          fmtSummary(r.reselectToFirstByteMs, 0),
          r.resumed ? 'yes' : '**no**',
        ]),
      ),
      '',
    )
  }

  if (results.many.length) {
    const seconds = (m: ManyResult) =>
      fmtSummary(
        {
          ...m.totalMs,
          median: m.totalMs.median / 1000,
          min: m.totalMs.min / 1000,
          max: m.totalMs.max / 1000,
        },
        1,
      )
    const scenarios = [...new Set(results.many.map((m) => `${m.count}×${m.sizeBytes}`))]
    for (const scenario of scenarios) {
      const rows = results.many.filter((m) => `${m.count}×${m.sizeBytes}` === scenario)
      const { count, sizeBytes } = rows[0]
      out.push(
        `### ${count.toLocaleString('en')} files of ${fileSizeLabel(sizeBytes)}`,
        '',
        'Library defaults, files added at once with `useChunkedUpload().add`; a file that fails for good (after the library\'s retries) is counted and the run goes on. "components": `UploadPlugin` with `<UploadDropzone>` and `<UploadProgress>` (one row per file); "composable": the same without rows (headless). Baselines on the same files, 4 at a time like the library: "put-per-file", the limit, one XHR PUT per file to a sink; "tusjs-per-file", tus-js-client 4 with one `Upload` per file; "uppy-s3", @uppy/aws-s3 6 with all files in one Uppy (`limit: 4`). A run stops at its deadline; then the count done by then is shown.',
        '',
        table(
          ['protocol', 'variant', 'done', 'time, s', 'longest task, ms', 'tasks over 50 ms'],
          rows.map((m) => [
            m.protocol ?? 'http',
            bold(!MANY_BASELINES.includes(m.variant), m.variant),
            m.done === m.count
              ? `all ${m.count}`
              : m.failed
                ? `**${m.done} of ${m.count}** (${m.failed} failed)`
                : `**${m.done} of ${m.count}** (deadline ${fmt(m.deadlineMs / 1000, 0)} s)`,
            seconds(m),
            fmtSummary(m.longestTaskMs, 0),
            fmtSummary(m.longTasksOver50, 0),
          ]),
        ),
        '',
      )
    }
  }

  if (results.bundles.length) {
    out.push(
      '### Bundle size (minified + gzip, JS)',
      '',
      "Each a tiny app entry built by Vite 8 (Rolldown) as an app would be (minified, tree-shaken; bench/bundle-size.ts), importing the packed tarball as npm installs it: the JS loaded at start. Ours: our code with its dependencies external, then with them bundled (vue and pinia excluded: a Vue app has them); chunks loaded on demand (axios on the first request, hash-wasm for a main-thread `md5: 'wasm'`), the hashing Worker and the CSS apart. Peers: whole package with all its dependencies. Targets: `formatBytes` alone ≤ 1 kB; headless `useChunkedUpload` + HTTP ≤ 22 kB with dependencies; `UploadPlugin` + 3 components + HTTP ≤ 30 kB.",
      '',
      table(
        ['bundle', 'gzip, kB', 'with dependencies, kB', 'lazy, kB', 'Worker, kB', 'CSS, kB'],
        results.bundles.map((b) => {
          const kB = (bytes?: number) => (bytes ? fmt(bytes / 1000, 1) : '—')
          return [
            bold(b.ours, b.label),
            fmt(b.gzip / 1000, 1),
            kB(b.gzipWithDeps ?? b.gzip),
            kB(b.lazyGzip),
            kB(b.workerGzip),
            kB(b.cssGzip),
          ]
        }),
      ),
      '',
    )
  }
  return out.join('\n')
}

function autoUnitDigits(value: number): number {
  return Math.abs(value) >= 100 ? 0 : 1
}
