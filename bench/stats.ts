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
