/**
 * `npm run bench [-- suite… --quick …]`: every case side by side in one headless Chromium
 * against the same servers, interleaved run by run, then resume, many small files and
 * bundle sizes. Prints the tables, writes bench/results/bench-<time>.json, and after a full
 * run the README section and bench/results/chart.svg. See plan.ts for the options.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CHROMIUM, launchChromium, randomFile, startPageServer } from '../test/browser/harness'
import { measureBundles, type BundleSize } from './bundles'
import { caseById, libraryOptions } from './cases'
import { planFrom, USAGE, type Plan } from './plan'
import { publish } from './publish'
import { checkTargets, renderMarkdown, sizeLabel } from './report'
import type { BenchResults, ManyResult, ResumeResult, ThroughputResult } from './results'
import { runCase, type CaseRun, type RunContext } from './runner'
import { runMany, runResume, type ManyRun, type ResumeRun } from './scenarios'
import { startBenchServers } from './servers'
import { fmt, fmtSummary, summarize } from './stats'

const MiB = 1024 * 1024
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const uppy6Dir = here('./peers/uppy6/')
const uppy6Lib = (name: string) => join(uppy6Dir, 'node_modules/@uppy', name, 'lib/index.js')

/** Uppy 6 lives apart from the root (its @uppy/core peer clashes with the root's 5.x). */
function ensureUppy6(): void {
  if (existsSync(join(uppy6Dir, 'node_modules'))) return
  console.log('installing Uppy 6 into bench/peers/uppy6 (npm ci)')
  execFileSync('npm', ['ci', '--prefix', uppy6Dir, '--ignore-scripts', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  })
}

const sourceFiles = new Map<number, Promise<{ path: string; size: number }>>()
/** Disk-backed random files, cached in /tmp/vcu-files between runs. */
function source(sizeMiB: number) {
  let file = sourceFiles.get(sizeMiB)
  if (!file) {
    file = randomFile(sizeMiB * MiB).then(({ path }) => ({ path, size: sizeMiB * MiB }))
    sourceFiles.set(sizeMiB, file)
  }
  return file
}

function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .replace(/^(Chromium \S+).*$/, '$1')
  } catch {
    return 'Chromium'
  }
}

async function throughput(ctx: RunContext, plan: Plan): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = []
  for (const step of plan.throughput) {
    const file = await source(step.sizeMiB)
    console.log(
      `\n${step.network.label}, ${sizeLabel(step.sizeMiB)}: ${step.cases.length} cases × ${plan.runs}`,
    )
    const runs = new Map<string, CaseRun[]>(step.cases.map((id) => [id, []]))
    for (let i = 0; i < plan.runs; i++) {
      // Interleaved, so a noisy neighbour hurts every case alike.
      for (const id of step.cases) {
        const run = await runCase(ctx, caseById(id), file, step.network)
        runs.get(id)!.push(run)
        console.log(
          `  ${i + 1}/${plan.runs} ${id.padEnd(9)} ${fmt(run.mibps).padStart(6)} MiB/s  first byte ${fmt(run.firstByteMs, 0)} ms  heap ${fmt(run.heapMiB, 1)} MiB  longest task ${fmt(run.longestTaskMs, 0)} ms`,
        )
      }
    }
    for (const id of step.cases) {
      const def = caseById(id)
      const list = runs.get(id)!
      const pick = (key: keyof CaseRun) => summarize(list.map((r) => r[key]))
      results.push({
        case: id,
        label: def.label,
        family: def.family,
        ours: def.ours,
        network: step.network.id,
        networkLabel: step.network.label,
        sizeMiB: step.sizeMiB,
        mibps: pick('mibps'),
        firstByteMs: pick('firstByteMs'),
        heapMiB: pick('heapMiB'),
        heapBeforeMiB: pick('heapBeforeMiB'),
        longestTaskMs: pick('longestTaskMs'),
        requestsPerGiB: pick('requestsPerGiB'),
      })
    }
  }
  return results
}

async function resume(ctx: RunContext, plan: Plan): Promise<ResumeResult[]> {
  if (!plan.resume) return []
  const { sizeMiB, protocols } = plan.resume
  const file = await source(sizeMiB)
  console.log(
    `\nreload at ~50 % and resume, ${sizeLabel(sizeMiB)}: ${protocols.join(', ')} × ${plan.runs}`,
  )
  const runs = new Map<string, ResumeRun[]>(protocols.map((p) => [p, []]))
  for (let i = 0; i < plan.runs; i++)
    for (const protocol of protocols) {
      const run = await runResume(ctx, protocol, file)
      runs.get(protocol)!.push(run)
      console.log(
        `  ${i + 1}/${plan.runs} ${protocol.padEnd(5)} extra ${fmt(run.extraBytes / 1024, 0)} KiB  reselect → first byte ${fmt(run.reselectToFirstByteMs, 0)} ms${run.resumed ? '' : '  (NOT resumed)'}`,
      )
    }
  return protocols.map((protocol) => {
    const list = runs.get(protocol)!
    return {
      protocol,
      sizeMiB,
      extraBytes: summarize(list.map((r) => r.extraBytes)),
      reselectToFirstByteMs: summarize(list.map((r) => r.reselectToFirstByteMs)),
      resumed: list.every((r) => r.resumed),
    }
  })
}

async function many(ctx: RunContext, plan: Plan): Promise<ManyResult[]> {
  if (!plan.many) return []
  const { count, sizeBytes, runs, deadlineMs } = plan.many
  const results: ManyResult[] = []
  for (const variant of ['components', 'composable'] as const) {
    console.log(`\n${count} files of ${sizeBytes / 1000} KB, ${variant} × ${runs}`)
    const list: ManyRun[] = []
    for (let i = 0; i < runs; i++) {
      const run = await runMany(ctx, count, sizeBytes, deadlineMs, variant === 'components')
      list.push(run)
      console.log(
        `  ${i + 1}/${runs} ${run.done} done in ${fmt(run.totalMs / 1000, 1)} s, longest task ${fmt(run.longestTaskMs, 0)} ms, ${run.longTasksOver50} over 50 ms`,
      )
    }
    results.push({
      variant,
      count,
      done: Math.min(...list.map((r) => r.done)),
      deadlineMs,
      sizeBytes,
      totalMs: summarize(list.map((r) => r.totalMs)),
      longestTaskMs: summarize(list.map((r) => r.longestTaskMs)),
      longTasksOver50: summarize(list.map((r) => r.longTasksOver50)),
    })
  }
  return results
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help')) {
    console.log(USAGE)
    return
  }
  const plan = planFrom(argv)
  const started = Date.now()
  const loadAtStart = loadavg()[0]
  const needsBrowser = plan.throughput.length > 0 || plan.resume || plan.many
  if (plan.throughput.some((s) => s.cases.includes('uppy6'))) ensureUppy6()
  if (Object.keys(libraryOptions).length)
    console.log(`library options on top of hashing: ${JSON.stringify(libraryOptions)}`)

  let throughputResults: ThroughputResult[] = []
  let resumeResults: ResumeResult[] = []
  let manyResults: ManyResult[] = []
  if (needsBrowser) {
    const servers = await startBenchServers()
    const [chromium, pages] = await Promise.all([
      launchChromium(),
      startPageServer({
        root: here('./page'),
        alias: [
          { find: /^@uppy6\/core$/, replacement: uppy6Lib('core') },
          { find: /^@uppy6\/aws-s3$/, replacement: uppy6Lib('aws-s3') },
        ],
        include: ['@uppy/core', '@uppy/aws-s3', '@uppy6/core', '@uppy6/aws-s3'],
      }),
    ])
    const ctx: RunContext = { chromium, pageUrl: pages.url, servers }
    try {
      throughputResults = await throughput(ctx, plan)
      resumeResults = await resume(ctx, plan)
      manyResults = await many(ctx, plan)
    } finally {
      await Promise.allSettled([chromium.close(), pages.close(), servers.close()])
    }
  }
  let bundles: BundleSize[] = []
  if (plan.bundles) {
    console.log('\nbundle sizes (minified + gzip)')
    bundles = await measureBundles(console.log)
  }

  const figures = {
    date: new Date(started).toISOString(),
    quick: plan.quick,
    runs: plan.runs,
    durationS: (Date.now() - started) / 1000,
    machine: {
      cores: cpus().length,
      node: process.versions.node,
      chromium: chromiumVersion(),
      load: [loadAtStart, loadavg()[0]] as [number, number],
    },
    libraryOptions,
    throughput: throughputResults,
    resume: resumeResults,
    many: manyResults,
    bundles,
  }
  const results: BenchResults = { ...figures, targets: checkTargets(figures) }
  console.log('\ntargets')
  for (const t of results.targets)
    console.log(
      `  ${t.met === undefined ? '  -  ' : t.met ? ' met ' : ' NOT '} ${t.label.padEnd(60)} ${t.value === undefined ? '—' : fmt(t.value, t.unit === '×' ? 2 : 1)} ${t.unit} (target ${t.target}) ${t.basis}`,
    )
  const stamp = results.date.replace(/[:.]/g, '-')
  const out = here(`./results/bench-${plan.quick ? 'quick-' : ''}${stamp}.json`)
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`)
  console.log(`\nwritten: ${out}`)
  if (plan.publish) for (const written of publish(results)) console.log(`written: ${written}`)
  else if (process.env.BENCH_PRINT_MARKDOWN === '1') console.log(renderMarkdown(results))
  console.log(`done in ${fmt((Date.now() - started) / 60_000, 1)} min`)
  void fmtSummary
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
