/**
 * What `npm run bench` runs: the full plan, the `--quick` one, and the command-line filters
 * applied to either. Pure, so the filters are testable.
 */
import { CASES } from './cases'
import type { Protocol } from './page/main'
import { NETWORKS, type Network } from './networks'

export interface ThroughputStep {
  readonly network: Network
  readonly sizeMiB: number
  readonly cases: readonly string[]
}

export interface Plan {
  readonly quick: boolean
  readonly runs: number
  readonly throughput: readonly ThroughputStep[]
  readonly resume?: { readonly sizeMiB: number; readonly protocols: readonly Protocol[] }
  readonly many?: {
    readonly count: number
    readonly sizeBytes: number
    /** One run per variant (the UI case is slow); past the deadline, what was done counts. */
    readonly runs: number
    readonly deadlineMs: number
  }
  readonly bundles: boolean
  /** Whether this run may replace the README section and the chart (full, unfiltered). */
  readonly publish: boolean
}

export const SUITES = ['unthrottled', 'emulated', 'resume', 'many', 'bundles'] as const
export type Suite = (typeof SUITES)[number]

const ALL = CASES.map((c) => c.id)
/** Big files: only what the 4 GiB targets need, so the full run stays near 30 min. */
const BIG = ['http-off', 'http-on', 'tus-off', 's3-off', 'xhr-put']
/** Under emulation hashing is never the bottleneck: hashing off, against every peer. */
const EMULATED = ['http-off', 'tus-off', 's3-off', 'tusjs', 'tusjs-8m', 'uppy5', 'uppy6', 'xhr-put']

export function fullPlan(): Plan {
  return {
    quick: false,
    runs: 3,
    throughput: [
      { network: NETWORKS.none, sizeMiB: 256, cases: ALL },
      { network: NETWORKS.none, sizeMiB: 1024, cases: ALL },
      { network: NETWORKS.none, sizeMiB: 4096, cases: BIG },
      // Smaller files under emulation: at 100 Mbit/s 1 GiB takes 90 s per case.
      { network: NETWORKS.fast, sizeMiB: 64, cases: EMULATED },
      { network: NETWORKS.slow, sizeMiB: 16, cases: EMULATED },
    ],
    resume: { sizeMiB: 256, protocols: ['http', 'tus', 's3'] },
    many: { count: 1000, sizeBytes: 100_000, runs: 1, deadlineMs: 120_000 },
    bundles: true,
    publish: true,
  }
}

export function quickPlan(): Plan {
  return {
    quick: true,
    runs: 1,
    throughput: [
      { network: NETWORKS.none, sizeMiB: 64, cases: ALL },
      { network: NETWORKS.fast, sizeMiB: 8, cases: EMULATED },
      { network: NETWORKS.slow, sizeMiB: 4, cases: EMULATED },
    ],
    resume: { sizeMiB: 64, protocols: ['http', 'tus', 's3'] },
    many: { count: 100, sizeBytes: 100_000, runs: 1, deadlineMs: 60_000 },
    bundles: true,
    publish: false,
  }
}

export const USAGE = `npm run bench -- [suite…] [options]
  suites:   ${SUITES.join(', ')} (default: all)
  --quick             small files, 1 run: a few minutes, for checking
  --runs=N            runs per case (default 3, quick 1)
  --cases=a,b         only these throughput cases (${ALL.join(', ')})
  --sizes=256,1024    only these unthrottled sizes in MiB
  --publish           replace the README section and bench/results/chart.svg even when filtered
  --no-publish        never replace them (a full run does by default)`

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
  const known = ['quick', 'runs', 'cases', 'sizes', 'publish', 'no-publish', 'help']
  for (const key of flags.keys())
    if (!known.includes(key)) throw new Error(`unknown option --${key}\n${USAGE}`)
  const base = flags.has('quick') ? quickPlan() : fullPlan()
  const wanted = (suite: Suite) => suites.length === 0 || suites.includes(suite)
  const cases = flags.get('cases')?.split(',').filter(Boolean)
  for (const id of cases ?? [])
    if (!ALL.includes(id)) throw new Error(`unknown case ${id}; known: ${ALL.join(', ')}`)
  const sizes = flags.get('sizes')?.split(',').filter(Boolean).map(Number)
  const runs = flags.has('runs') ? Number(flags.get('runs')) : base.runs
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1`)
  const throughput = base.throughput
    .filter((step) => wanted(step.network.id === 'none' ? 'unthrottled' : 'emulated'))
    .filter((step) => step.network.id !== 'none' || !sizes || sizes.includes(step.sizeMiB))
    .map((step) => ({
      ...step,
      cases: cases ? step.cases.filter((id) => cases.includes(id)) : step.cases,
    }))
    .filter((step) => step.cases.length > 0)
  const filtered =
    suites.length > 0 || cases !== undefined || sizes !== undefined || flags.has('runs')
  return {
    quick: base.quick,
    runs,
    throughput,
    resume: wanted('resume') ? base.resume : undefined,
    many: wanted('many') ? base.many : undefined,
    bundles: wanted('bundles') && base.bundles,
    publish: flags.has('no-publish') ? false : flags.has('publish') || (base.publish && !filtered),
  }
}
