/**
 * `npm run bench [-- suite… --quick …]`: every case side by side in one headless Chromium
 * against the same servers, interleaved run by run, plus resume, many small files and
 * bundle sizes, in the order of plan.ts. Prints each run, saves bench/results/bench-<time>.json
 * after every step (so a cut-short run keeps what it measured), then deletes older runs of each
 * kind from bench/results (prune.ts; they stay in git history), and after a full run writes
 * the README section and bench/results/chart.svg.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CHROMIUM, launchChromium, randomFile, startPageServer } from '../test/browser/harness'
import { measureBundles, type BundleSize } from './bundles'
import { caseById, libraryOptions } from './cases'
import { planFrom, USAGE, type Step } from './plan'
import { publish } from './publish'
import { pruneResults } from './prune'
import { startPinning } from './pin'
import { checkTargets, fileSizeLabel, sizeLabel } from './report'
import type { Protocol } from './page/main'
import type {
  BenchResults,
  ManyResult,
  ManyVariant,
  ResumeResult,
  ThroughputResult,
} from './results'
import { runCase, type CaseRun, type RunContext } from './runner'
import { runMany, runResume, type ManyRun, type ResumeRun } from './scenarios'
import { startBenchServers } from './servers'
import { fmt, summarize } from './stats'

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

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>

async function throughput(ctx: RunContext, step: StepOf<'throughput'>) {
  const file = await source(step.sizeMiB)
  console.log(
    `\n${step.network.label}, ${sizeLabel(step.sizeMiB)}: ${step.cases.length} cases × ${step.runs}`,
  )
  const runs = new Map<string, CaseRun[]>(step.cases.map((id) => [id, []]))
  const failed = new Map<string, number>()
  for (let i = 0; i < step.runs; i++) {
    // Interleaved, so a noisy neighbour hurts every case alike.
    for (const id of step.cases) {
      try {
        const run = await runCase(ctx, caseById(id), file, step.network)
        runs.get(id)!.push(run)
        console.log(
          `  ${i + 1}/${step.runs} ${id.padEnd(9)} ${fmt(run.mibps).padStart(6)} MiB/s  first byte ${fmt(run.firstByteMs, 0)} ms  heap ${fmt(run.heapMiB, 1)} MiB  longest task ${fmt(run.longestTaskMs, 0)} ms`,
        )
      } catch (error) {
        // One failed upload is a figure too (reported), not the end of the run.
        failed.set(id, (failed.get(id) ?? 0) + 1)
        console.log(
          `  ${i + 1}/${step.runs} ${id.padEnd(9)} FAILED: ${String(error).slice(0, 300)}`,
        )
      }
    }
  }
  return step.cases.flatMap((id): ThroughputResult[] => {
    const def = caseById(id)
    const list = runs.get(id)!
    if (list.length === 0) return []
    const pick = (key: keyof CaseRun) => summarize(list.map((r) => r[key]))
    return [
      {
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
        ...(failed.get(id) ? { failed: failed.get(id) } : {}),
      },
    ]
  })
}

async function resume(ctx: RunContext, step: StepOf<'resume'>): Promise<ResumeResult[]> {
  const { sizeMiB, protocols, runs: count } = step
  const file = await source(sizeMiB)
  console.log(
    `\nreload at ~50 % and resume, ${sizeLabel(sizeMiB)}: ${protocols.join(', ')} × ${count}`,
  )
  const runs = new Map<string, ResumeRun[]>(protocols.map((p) => [p, []]))
  for (let i = 0; i < count; i++)
    for (const protocol of protocols) {
      try {
        const run = await runResume(ctx, protocol, file)
        runs.get(protocol)!.push(run)
        console.log(
          `  ${i + 1}/${count} ${protocol.padEnd(5)} extra ${fmt(run.extraBytes / 1024, 0)} KiB  reselect → first byte ${fmt(run.reselectToFirstByteMs, 0)} ms${run.resumed ? '' : '  (NOT resumed)'}`,
        )
      } catch (error) {
        console.log(
          `  ${i + 1}/${count} ${protocol.padEnd(5)} FAILED: ${String(error).slice(0, 300)}`,
        )
      }
    }
  return protocols.flatMap((protocol) => {
    const list = runs.get(protocol)!
    if (list.length === 0) return []
    return [
      {
        protocol,
        sizeMiB,
        extraBytes: summarize(list.map((r) => r.extraBytes)),
        reselectToFirstByteMs: summarize(list.map((r) => r.reselectToFirstByteMs)),
        resumed: list.every((r) => r.resumed),
      },
    ]
  })
}

/** Each protocol's many-files variants: the baseline first, then ours. */
const MANY_VARIANTS: Record<Protocol, readonly ManyVariant[]> = {
  http: ['put-per-file', 'components', 'composable'],
  tus: ['tusjs-per-file', 'composable'],
  s3: ['uppy-s3', 'composable'],
}

async function many(ctx: RunContext, step: StepOf<'many'>): Promise<ManyResult[]> {
  const { count, sizeBytes, runs, deadlineMs } = step
  const results: ManyResult[] = []
  for (const protocol of step.protocols) {
    const variants = MANY_VARIANTS[protocol]
    console.log(
      `\n${count} files of ${fileSizeLabel(sizeBytes)}, ${protocol}: ${variants.join(', ')} × ${runs}, interleaved`,
    )
    // Run i of every variant before run i + 1 of any: a noisy neighbour hurts all alike.
    const lists = new Map<ManyVariant, ManyRun[]>(variants.map((v) => [v, []]))
    for (let i = 0; i < runs; i++)
      for (const variant of variants) {
        const label = `${i + 1}/${runs} ${variant}`.padEnd(20)
        try {
          const run = await runMany(ctx, count, sizeBytes, deadlineMs, variant, protocol)
          lists.get(variant)!.push(run)
          console.log(
            `  ${label} ${run.done} done in ${fmt(run.totalMs / 1000, 1)} s, longest task ${fmt(run.longestTaskMs, 0)} ms, ${run.longTasksOver50} over 50 ms (load ${fmt(loadavg()[0], 1)})${run.failed ? `, ${run.failed} FAILED, first: ${run.firstError}` : ''}`,
          )
        } catch (error) {
          // A failed variant is reported, not the end of the run.
          console.log(`  ${label} FAILED: ${String(error).slice(0, 300)}`)
        }
      }
    for (const variant of variants) {
      const list = lists.get(variant)!
      if (list.length === 0) continue
      results.push({
        variant,
        protocol,
        count,
        done: Math.min(...list.map((r) => r.done)),
        ...(list.some((r) => r.failed) ? { failed: Math.max(...list.map((r) => r.failed)) } : {}),
        deadlineMs,
        sizeBytes,
        totalMs: summarize(list.map((r) => r.totalMs)),
        longestTaskMs: summarize(list.map((r) => r.longestTaskMs)),
        longTasksOver50: summarize(list.map((r) => r.longTasksOver50)),
      })
    }
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
  if (Object.keys(libraryOptions).length)
    console.log(`library options on top of hashing: ${JSON.stringify(libraryOptions)}`)

  const throughputResults: ThroughputResult[] = []
  const resumeResults: ResumeResult[] = []
  const manyResults: ManyResult[] = []
  let bundles: BundleSize[] = []
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-')
  // One kind per purpose, since only the latest file of each kind is kept: a filtered run
  // (e.g. `many` alone) never prunes the full run the README was made from.
  const kind = plan.quick ? 'bench-quick' : plan.publish ? 'bench' : 'bench-partial'
  const out = here(`./results/${kind}-${stamp}.json`)
  const results = (): BenchResults => {
    const figures = {
      date: new Date(started).toISOString(),
      quick: plan.quick,
      runs: Math.max(1, ...plan.steps.map((s) => ('runs' in s ? s.runs : 1))),
      durationS: (Date.now() - started) / 1000,
      machine: {
        cores: cpus().length,
        node: process.versions.node,
        chromium: chromiumVersion(),
        load: [loadAtStart, loadavg()[0]] as [number, number],
        ...(process.env.BENCH_STORE_DIR ? { storeDir: process.env.BENCH_STORE_DIR } : {}),
        ...(stopPinning ? { pinned: true } : {}),
      },
      libraryOptions,
      throughput: throughputResults,
      resume: resumeResults,
      many: manyResults,
      bundles,
    }
    return { ...figures, targets: checkTargets(figures) }
  }
  const save = () => writeFileSync(out, `${JSON.stringify(results(), null, 2)}\n`)

  const needsBrowser = plan.steps.some((s) => s.kind !== 'bundles')
  // The bench page imports Uppy 6 whatever runs (Vite pre-bundles it): install it first.
  if (needsBrowser) ensureUppy6()
  const servers = needsBrowser ? await startBenchServers() : undefined
  const [chromium, pages] = needsBrowser
    ? await Promise.all([
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
    : []
  const stopPinning = startPinning()
  try {
    for (const step of plan.steps) {
      if (step.kind === 'bundles') {
        console.log('\nbundle sizes (minified + gzip)')
        bundles = await measureBundles(console.log)
      } else {
        const ctx: RunContext = { chromium: chromium!, pageUrl: pages!.url, servers: servers! }
        if (step.kind === 'throughput') throughputResults.push(...(await throughput(ctx, step)))
        else if (step.kind === 'resume') resumeResults.push(...(await resume(ctx, step)))
        else manyResults.push(...(await many(ctx, step)))
      }
      save()
    }
  } finally {
    stopPinning?.()
    await Promise.allSettled([chromium?.close(), pages?.close(), servers?.close()])
  }

  const final = results()
  writeFileSync(out, `${JSON.stringify(final, null, 2)}\n`)
  console.log('\ntargets')
  for (const t of final.targets)
    console.log(
      `  ${t.met === undefined ? '  -  ' : t.met ? ' met ' : ' NOT '} ${t.label.padEnd(60)} ${t.value === undefined ? '—' : fmt(t.value, t.unit === '×' ? 2 : 1)} ${t.unit} (target ${t.target}) ${t.basis}`,
    )
  console.log(`\nwritten: ${out}`)
  // Only the latest run of each kind stays in bench/results (older ones are in git history).
  for (const name of pruneResults(here('./results'))) console.log(`pruned: results/${name}`)
  if (plan.publish) for (const written of await publish(final)) console.log(`written: ${written}`)
  console.log(`done in ${fmt((Date.now() - started) / 60_000, 1)} min`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
