/**
 * The TypeScript and Vue code blocks of README.md and docs/*.md, as files to type-check
 * against the packed package. A block is skipped only when the last non-blank line before its fence is
 * `<!-- docs-check: skip (why) -->` (blank lines between allowed), e.g. the reference server's set-up, which is not in
 * the package. Names a snippet uses without defining (`app`, `protocol`, `uploader`, …)
 * come from docs-prelude.d.ts, typed from the package.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface DocBlock {
  /** e.g. `docs/vue.md:12` (the fence's line). */
  readonly where: string
  /** The file name it is written to, e.g. `docs-vue-md-12.ts`. */
  readonly file: string
  readonly code: string
}

const FENCE = /^```(ts|typescript|vue)\s*$/
const SKIP = /^<!--\s*docs-check:\s*skip\b/

export function docBlocks(root: string): DocBlock[] {
  const docs = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .sort()
      .map((name) => `docs/${name}`),
  ]
  const blocks: DocBlock[] = []
  for (const doc of docs) {
    const lines = readFileSync(join(root, doc), 'utf8').split('\n')
    for (let i = 0; i < lines.length; i++) {
      const fence = FENCE.exec(lines[i])
      if (!fence) continue
      const end = lines.findIndex((line, j) => j > i && line.startsWith('```'))
      const body = lines.slice(i + 1, end).join('\n')
      // The marker is the last non-blank line before the fence (Prettier puts a blank between).
      let before = i - 1
      while (before >= 0 && lines[before].trim() === '') before--
      const skipped = before >= 0 && SKIP.test(lines[before].trim())
      if (!skipped) {
        const vue = fence[1] === 'vue'
        const name = `${doc.replace(/[/.]/g, '-')}-${i + 1}`
        blocks.push({
          where: `${doc}:${i + 1}`,
          file: `${name}.${vue ? 'vue' : 'ts'}`,
          // `export {}` makes every snippet a module, so its names never clash with another's.
          code: vue ? body : `${body}\nexport {}\n`,
        })
      }
      i = end
    }
  }
  return blocks
}
