/**
 * The README's chart: one panel per network, a horizontal bar per case (median MiB/s) with a
 * min–max whisker, this library in blue, peers in grey, the browser's limit in amber. Pure
 * SVG text, no dependencies, so any Markdown viewer shows it.
 */
import { sizeLabel } from './report'
import type { BenchResults, ThroughputResult } from './results'
import { fmt } from './stats'

const WIDTH = 780
const LABEL_W = 330
const BAR_W = 360
const ROW = 22
const TITLE = 30
const PAD = 12

const COLORS = { ours: '#2563eb', peer: '#9ca3af', limit: '#d97706' }

export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The size with the most cases under `network` (the larger on a tie). */
export function panelSize(rows: readonly ThroughputResult[]): number {
  const counts = new Map<number, number>()
  for (const r of rows) counts.set(r.sizeMiB, (counts.get(r.sizeMiB) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0]
}

export function renderChart(results: Pick<BenchResults, 'throughput' | 'date'>): string {
  const networks = [
    ...new Map(results.throughput.map((r) => [r.network, r.networkLabel])).entries(),
  ]
  const parts: string[] = []
  let y = PAD
  for (const [network, networkLabel] of networks) {
    const all = results.throughput.filter((r) => r.network === network)
    const size = panelSize(all)
    const rows = all.filter((r) => r.sizeMiB === size)
    const scale = BAR_W / Math.max(...rows.map((r) => r.mibps.max))
    parts.push(
      `<text x="${PAD}" y="${y + 18}" class="title">${escapeXml(`${networkLabel}, ${sizeLabel(size)} file: MiB/s, median with min–max`)}</text>`,
    )
    y += TITLE
    for (const r of rows) {
      const color = r.ours ? COLORS.ours : r.family === 'limit' ? COLORS.limit : COLORS.peer
      const w = Math.max(1, r.mibps.median * scale)
      const x0 = LABEL_W
      const mid = y + ROW / 2
      parts.push(
        `<text x="${LABEL_W - 8}" y="${mid + 4}" text-anchor="end"${r.ours ? ' class="ours"' : ''}>${escapeXml(r.label)}</text>`,
        `<rect x="${x0}" y="${y + 3}" width="${fmt(w, 1)}" height="${ROW - 6}" fill="${color}" rx="2"/>`,
        `<line x1="${fmt(x0 + r.mibps.min * scale, 1)}" x2="${fmt(x0 + r.mibps.max * scale, 1)}" y1="${mid}" y2="${mid}" class="whisker"/>`,
        `<text x="${fmt(x0 + r.mibps.max * scale + 6, 1)}" y="${mid + 4}">${fmt(r.mibps.median)}</text>`,
      )
      y += ROW
    }
    y += PAD
  }
  const height = y + 18
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img">`,
    `<title>Upload throughput: vue-chunked-upload vs peers (${escapeXml(results.date.slice(0, 10))})</title>`,
    '<style>text{fill:#1f2937}.title{font-weight:600;font-size:13px}.ours{font-weight:600}.whisker{stroke:#111827;stroke-width:1.5}.note{fill:#6b7280;font-size:11px}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    `<text x="${PAD}" y="${height - 6}" class="note">Blue: vue-chunked-upload. Grey: peers. Amber: one XHR PUT of the File (the browser's limit). npm run bench, ${escapeXml(results.date.slice(0, 10))}.</text>`,
    '</svg>',
    '',
  ].join('\n')
}
