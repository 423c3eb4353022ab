import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Medians and ranges for the benchmark's tables. */
export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: readonly number[]
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: values }
}

export const fmt = (value: number, digits = 0) => value.toFixed(digits)

export function row(label: string, s: Summary, unit: string, digits = 0): string {
  return `${label.padEnd(44)} ${fmt(s.median, digits).padStart(8)} ${unit.padEnd(6)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
}

/** Prints a suite's table (rows from `row`) followed by its ratios. */
export function printReport(
  caseHeader: string,
  rows: readonly string[],
  ratios: Record<string, number>,
  ratioWidth = 52,
): void {
  const lines = [
    '',
    `${caseHeader.padEnd(44)} ${'median'.padStart(8)}        (min–max)`,
    ...rows,
    '',
    ...Object.entries(ratios).map(([k, v]) => `${k.padEnd(ratioWidth)} ${v.toFixed(2)}`),
  ]
  console.log(lines.join('\n'))
}

/** Where a suite's results go: bench/results/<suite>-<ISO time>.json. */
export function resultFile(suite: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  return fileURLToPath(new URL(`./results/${suite}-${stamp}.json`, import.meta.url))
}

/** Writes summaries and ratios (as `ratio <name>` keys) to the suite's result file. */
export function writeResults(
  suite: string,
  meta: Record<string, number | string>,
  summaries: Record<string, Summary>,
  ratios: Record<string, number>,
): void {
  const out = resultFile(suite)
  const json: Record<string, Summary | number | string> = {
    ...meta,
    date: new Date().toISOString(),
  }
  for (const [k, v] of Object.entries(summaries)) json[k] = v
  for (const [k, v] of Object.entries(ratios)) json[`ratio ${k}`] = v
  writeFileSync(out, JSON.stringify(json, null, 2))
  console.log(`\nwritten: ${out}`)
}
