/**
 * bench/results keeps only the latest run of each kind: `<kind>-<ISO time>.json` files
 * (e.g. `bench-…`, `bench-quick-…`, `soak-…`); older runs stay in git history.
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** `<kind>-2026-11-21T09-28-27-535Z.json` → kind and stamp; undefined for any other name. */
const RESULT = /^(.+)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)\.json$/

/** The result files superseded by a later run of the same kind (names only, pure). */
export function staleResults(names: readonly string[]): string[] {
  const latest = new Map<string, string>()
  for (const name of names) {
    const match = RESULT.exec(name)
    if (!match) continue
    const [, kind, stamp] = match
    const kept = latest.get(kind)
    // ISO stamps of one shape sort as text in time order.
    if (kept === undefined || RESULT.exec(kept)![2] < stamp) latest.set(kind, name)
  }
  const keep = new Set(latest.values())
  return names.filter((name) => RESULT.test(name) && !keep.has(name))
}

/** Deletes the superseded result files in `dir`; returns their names. */
export function pruneResults(dir: string): string[] {
  const stale = staleResults(readdirSync(dir))
  for (const name of stale) rmSync(join(dir, name))
  return stale
}
