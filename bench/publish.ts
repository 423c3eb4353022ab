/**
 * Writes a run's results where people read them: the README's `## Benchmarks` section and
 * bench/results/chart.svg. `npx tsx bench/publish.ts <results.json>` redoes it from a
 * results file.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { renderChart } from './chart'
import { renderMarkdown } from './report'
import type { BenchResults } from './results'

const root = new URL('..', import.meta.url)

/** Replaces the `## Benchmarks` section (up to the next `## ` heading) of `readme`. */
export function replaceSection(readme: string, section: string): string {
  const start = readme.search(/^## Benchmarks\s*$/m)
  if (start < 0) return `${readme.trimEnd()}\n\n${section.trimEnd()}\n`
  const rest = readme.slice(start + 1)
  const next = rest.search(/^## /m)
  const end = next < 0 ? readme.length : start + 1 + next
  return `${readme.slice(0, start)}${section.trimEnd()}\n${next < 0 ? '' : `\n${readme.slice(end)}`}`
}

/** Writes the chart and the README section (formatted as `prettier --check` expects). */
export async function publish(results: BenchResults): Promise<string[]> {
  const chart = fileURLToPath(new URL('bench/results/chart.svg', root))
  const readme = fileURLToPath(new URL('README.md', root))
  writeFileSync(chart, renderChart(results))
  const text = replaceSection(readFileSync(readme, 'utf8'), renderMarkdown(results))
  const options = (await resolveConfig(readme)) ?? {}
  writeFileSync(readme, await format(text, { ...options, filepath: readme }))
  return [chart, readme]
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2]
  if (!file) {
    console.error('usage: npx tsx bench/publish.ts bench/results/bench-….json')
    process.exit(2)
  }
  for (const written of await publish(JSON.parse(readFileSync(file, 'utf8')) as BenchResults))
    console.log(`written: ${written}`)
}
