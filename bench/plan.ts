/**
 * What `npm run bench` runs, in order: the full plan, the `--quick` one, and the
 * command-line filters applied to either. Pure, so the filters are testable.
 */
import { CASES } from './cases'
import { NETWORKS, type Network } from './networks'
import type { Protocol } from './page/main'

export type Step =
  | {
      readonly kind: 'throughput'
      readonly network: Network
      readonly sizeMiB: number
      readonly cases: readonly string[]
      readonly runs: number
    }
  | {
      readonly kind: 'resume'
      readonly sizeMiB: number
      readonly protocols: readonly Protocol[]
      readonly runs: number
    }
  | {
      readonly kind: 'many'
      readonly count: number
      readonly sizeBytes: number
      /** Each: the library headless (plus the components on HTTP) and that protocol's baseline. */
      readonly protocols: readonly Protocol[]
      /** Per variant (components, composable); past the deadline, what was done counts. */
      readonly runs: number
      readonly deadlineMs: number
    }
  | { readonly kind: 'bundles' }

export interface Plan {
  readonly quick: boolean
  readonly steps: readonly Step[]
  /** Whether this run may replace the README section and the chart (full, unfiltered). */
  readonly publish: boolean
}

export const SUITES = ['unthrottled', 'emulated', 'resume', 'many', 'bundles'] as const
export type Suite = (typeof SUITES)[number]

const ALL = CASES.map((c) => c.id)
/** 1 GiB: the cases behind the unthrottled ratio targets (every case runs at 256 MiB). */
const RATIOS = ['http-off', 'tus-off', 's3-off', 'tusjs', 'tusjs-8m', 'uppy5', 'xhr-put']
/** 4 GiB, one run: time to first byte and heap, with full-file hashing and without. */
const BIG = ['http-on', 'tus-off']
/** Under emulation hashing is never the bottleneck: hashing off, against every peer. */
const EMULATED = ['http-off', 'tus-off', 's3-off', 'tusjs', 'uppy5', 'uppy6', 'xhr-put']

const throughput = (network: Network, sizeMiB: number, cases: readonly string[], runs = 3) =>
  ({ kind: 'throughput', network, sizeMiB, cases, runs }) as const

const PROTOCOLS: readonly Protocol[] = ['http', 'tus', 's3']

const many = (count: number, sizeBytes: number, runs: number, deadlineMs: number) =>
  ({ kind: 'many', count, sizeBytes, protocols: PROTOCOLS, runs, deadlineMs }) as const

/**
 * The full plan (the run saves its results after every step). Sized for about 30 min on the
 * shared 2-core machine under load: every case at 256 MiB, the ratio cases at 1 GiB, and
 * 4 GiB once for time to first byte and heap. Smaller files under emulation (at 100 Mbit/s
 * 1 GiB takes 90 s per upload). Many files over each protocol, ours cut at 60 s: 1,000 ×
 * 100 KB three runs per variant (the ratio targets: one run each left them to the noise),
 * interleaved; 100 × 5 MB one run.
 */
export function fullPlan(): Plan {
  return {
    quick: false,
    steps: [
      { kind: 'bundles' },
      throughput(NETWORKS.none, 1024, RATIOS),
      throughput(NETWORKS.fast, 32, EMULATED),
      throughput(NETWORKS.none, 4096, BIG, 1),
      throughput(NETWORKS.none, 256, ALL),
      { kind: 'resume', sizeMiB: 256, protocols: ['http', 'tus', 's3'], runs: 3 },
      throughput(NETWORKS.slow, 8, EMULATED),
      many(1000, 100_000, 3, 60_000),
      many(100, 5_000_000, 1, 60_000),
    ],
    publish: true,
  }
}

export function quickPlan(): Plan {
  return {
    quick: true,
    steps: [
      { kind: 'bundles' },
      throughput(NETWORKS.none, 64, ALL, 1),
      throughput(NETWORKS.fast, 8, EMULATED, 1),
      throughput(NETWORKS.slow, 4, EMULATED, 1),
      { kind: 'resume', sizeMiB: 64, protocols: ['http', 'tus', 's3'], runs: 1 },
      many(100, 100_000, 1, 60_000),
      many(10, 5_000_000, 1, 60_000),
    ],
    publish: false,
  }
}

export const USAGE = `npm run bench -- [suite…] [options]
  suites:   ${SUITES.join(', ')} (default: all)
  --quick             small files, 1 run: a few minutes, for checking
  --runs=N            runs per case and scenario (default 3; 4 GiB and 100 × 5 MB 1; quick 1)
  --cases=a,b         only these throughput cases (${ALL.join(', ')})
  --sizes=256,1024    only these unthrottled sizes in MiB
  --protocols=tus,s3  only these protocols in the resume and many suites (http, tus, s3)
  --files=100000      only the many-files scenarios of these file sizes in bytes (100000, 5000000)
  --publish           replace the README section and bench/results/chart.svg even when filtered
  --no-publish        never replace them (a full run does by default)
  environment:
  BENCH_STORE_DIR=/dev/shm        where the servers store what they receive (default: the temp folder)
  BENCH_CPU_PROFILE=<folder>      save a CPU profile of the page and print CPU per process
  BENCH_PIN=1                     the page's renderer on core 0, Chromium's other processes and the servers on core 1
  BENCH_LIBRARY_OPTIONS='{...}'   JSON options every library case gets, e.g. '{"hashing":false}'`

const suiteOf = (step: Step): Suite =>
  step.kind === 'throughput' ? (step.network.id === 'none' ? 'unthrottled' : 'emulated') : step.kind

/** Applies the command line to the full or quick plan; throws on anything unknown. */
export function planFrom(argv: readonly string[]): Plan {
  const flags = new Map<string, string>()
  const suites: Suite[] = []
  for (const arg of argv) {
    if (arg.startsWith('--')) {
      const [key, value = ''] = arg.slice(2).split('=', 2)
      flags.set(key, value)
    } else if ((SUITES as readonly string[]).includes(arg)) suites.push(arg as Suite)
    else throw new Error(`unknown suite ${arg}\n${USAGE}`)
  }
  const known = [
    'quick',
    'runs',
    'cases',
    'sizes',
    'protocols',
    'files',
    'publish',
    'no-publish',
    'help',
  ]
  for (const key of flags.keys())
    if (!known.includes(key)) throw new Error(`unknown option --${key}\n${USAGE}`)
  const base = flags.has('quick') ? quickPlan() : fullPlan()
  const cases = flags.get('cases')?.split(',').filter(Boolean)
  for (const id of cases ?? [])
    if (!ALL.includes(id)) throw new Error(`unknown case ${id}; known: ${ALL.join(', ')}`)
  const sizes = flags.get('sizes')?.split(',').filter(Boolean).map(Number)
  const protocols = flags.get('protocols')?.split(',').filter(Boolean)
  for (const p of protocols ?? [])
    if (!(PROTOCOLS as readonly string[]).includes(p))
      throw new Error(`unknown protocol ${p}; known: ${PROTOCOLS.join(', ')}`)
  const files = flags.get('files')?.split(',').filter(Boolean).map(Number)
  const runs = flags.has('runs') ? Number(flags.get('runs')) : undefined
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1))
    throw new Error(`--runs must be a whole number ≥ 1`)
  const steps = base.steps
    .filter((step) => suites.length === 0 || suites.includes(suiteOf(step)))
    .filter(
      (step) =>
        step.kind !== 'throughput' ||
        step.network.id !== 'none' ||
        !sizes ||
        sizes.includes(step.sizeMiB),
    )
    .filter((step) => step.kind !== 'many' || !files || files.includes(step.sizeBytes))
    .map((step): Step => {
      if (step.kind === 'bundles') return step
      const withRuns = runs === undefined ? step : { ...step, runs }
      if (withRuns.kind === 'throughput' && cases)
        return { ...withRuns, cases: withRuns.cases.filter((id) => cases.includes(id)) }
      if (withRuns.kind !== 'throughput' && protocols)
        return { ...withRuns, protocols: withRuns.protocols.filter((p) => protocols.includes(p)) }
      return withRuns
    })
    .filter((step) => step.kind !== 'throughput' || step.cases.length > 0)
    .filter((step) => (step.kind !== 'many' && step.kind !== 'resume') || step.protocols.length > 0)
  const filtered =
    suites.length > 0 ||
    cases !== undefined ||
    sizes !== undefined ||
    runs !== undefined ||
    protocols !== undefined ||
    files !== undefined
  return {
    quick: base.quick,
    steps,
    publish: flags.has('no-publish') ? false : flags.has('publish') || (base.publish && !filtered),
  }
}
