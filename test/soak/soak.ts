/**
 * One soak: the seeded plan, run batch by batch in real Chromium against the rig, under
 * random faults, reloads, cancels and one server restart; then the figures.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { planSoak, type PlanOptions } from './plan'
import { SoakRig } from './rig'
import type { SoakFigures } from './figures'
import { SoakSession } from './session'

export interface SoakOptions extends Omit<PlanOptions, 'seed'> {
  readonly seed: number
  /** Chance that a request gets a random fault. @default 0.12 */
  readonly faultRate?: number
  /** Batches not started by then are counted as failed. @default 20 minutes */
  readonly maxMs?: number
  /** Keep the servers' stores (printed) instead of deleting them; a failed soak always does. */
  readonly keep?: boolean
  readonly log?: (line: string) => void
}

export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const log = options.log ?? (() => {})
  const plan = planSoak(options)
  const rig = new SoakRig({ seed: options.seed, faultRate: options.faultRate ?? 0.12 })
  await rig.start()
  const session = new SoakSession(rig, options.seed, log)
  let passed = false
  try {
    await session.open()
    log(
      `soak: seed ${options.seed}, ${plan.uploads.length} uploads in ${plan.batches.length} ` +
        `batches, stores under ${rig.root}`,
    )
    const deadline = Date.now() + (options.maxMs ?? 20 * 60_000)
    for (const batch of plan.batches) {
      if (Date.now() > deadline) session.skip(batch, 'not run: the soak ran out of time')
      else await session.runBatch(batch)
    }
    const figures = await session.finish()
    passed = figures.ok
    return figures
  } finally {
    await session.close()
    // A failed soak keeps the servers' stores, to look at what was left.
    await rig.close(options.keep || !passed)
    if (options.keep || !passed) log(`stores kept under ${rig.root}`)
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** The figures as lines for a terminal. */
export function describe(figures: SoakFigures): string[] {
  const faults = Object.entries(figures.faults)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ')
  const retries = Object.entries(figures.retriesByCode)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ')
  const left = Object.entries(figures.leftovers)
    .map(([protocol, ids]) => `${protocol} ${ids.length}`)
    .join(', ')
  return [
    `soak ${figures.ok ? 'PASSED' : 'FAILED'} (seed ${figures.seed}) in ${(figures.durationMs / 1000).toFixed(0)} s`,
    `uploads: ${figures.completed}/${figures.planned} byte-identical, ${mb(figures.bytes)} ` +
      `(http ${figures.uploads.http.completed}, tus ${figures.uploads.tus.completed}, ` +
      `s3 ${figures.uploads.s3.completed}; largest ${mb(figures.largest)})`,
    `faults injected: ${figures.faultsTotal} (${faults || 'none'}); ` +
      `${figures.serverDown502} answered 502 while the server restarted`,
    `retries: ${figures.retries} (${retries || 'none'})`,
    `resumes: ${figures.resumes}; reloads: ${figures.reloads}; restarts: ${figures.restarts}; ` +
      `cancels: ${figures.cancels}`,
    `bytes re-sent: ${mb(figures.bytesResent)} counted by the engine; ` +
      `${mb(figures.wireOverhead)} over the files' size on the wire (${mb(figures.wireBytes)} in all)`,
    `failures: ${figures.failures.length}; page errors: ${figures.pageErrors.length}; ` +
      `resume records left: ${figures.resumeRecordsLeft}; unfinished on servers: ${left}`,
    ...figures.failures.map((f) => `  ✗ ${f.name} (${f.protocol}, ${f.size} B): ${f.reason}`),
    ...figures.pageErrors.map((e) => `  ✗ page: ${e}`),
  ]
}

/** Writes the figures to `bench/results/soak-<time>.json`; resolves to the path. */
export async function writeFigures(figures: SoakFigures): Promise<string> {
  const dir = fileURLToPath(new URL('../../bench/results', import.meta.url))
  await mkdir(dir, { recursive: true })
  const path = join(dir, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(
    path,
    JSON.stringify({ kind: 'soak', at: new Date().toISOString(), ...figures }, null, 2) + '\n',
  )
  return path
}
