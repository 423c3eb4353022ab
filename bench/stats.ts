/** Medians and ranges for the benchmark's tables (pure). */
export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: readonly number[]
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: [...values] }
}

/** Digits that keep 2–3 significant figures: 0.42, 4.2, 42, 420. */
export function autoDigits(value: number): number {
  const abs = Math.abs(value)
  return abs === 0 || abs >= 10 ? 0 : abs >= 1 ? 1 : 2
}

export const fmt = (value: number, digits = autoDigits(value)) => value.toFixed(digits)

/** `median (min–max)`, or just the median when there was one run. */
export function fmtSummary(s: Summary, digits = autoDigits(s.median)): string {
  return s.runs.length > 1 && s.min !== s.max
    ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
    : fmt(s.median, digits)
}
