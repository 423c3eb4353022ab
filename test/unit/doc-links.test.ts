// @vitest-environment node
/**
 * Messages the library prints point where a user can read them: the package ships no
 * docs/ folder, so a guide is named by its full URL, and that guide exists.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const DOCS_URL = 'https://github.com/vue-chunked-upload/vue-chunked-upload/blob/main/'

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : /\.(ts|vue)$/.test(entry.name)
        ? [join(dir, entry.name)]
        : [],
  )

/** String literals of a file (comments are not shown to anyone). */
const literals = (text: string): string[] =>
  [...text.matchAll(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g)].map((match) => match[0])

describe('links in what the library prints', () => {
  it('names guides by full URL, never a repository path, and the guides exist', () => {
    const bare: string[] = []
    const linked: string[] = []
    for (const file of sources(join(repo, 'src'))) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|(?<![:'\w])\/\/.*$/gm, '')
      for (const literal of literals(text)) {
        for (const [whole, path] of literal.slice(1, -1).matchAll(/(?:\S*?)(docs\/[\w-]+\.md)/g)) {
          if (whole.startsWith(DOCS_URL)) linked.push(path)
          else bare.push(`${file.slice(repo.length)}: ${whole}`)
        }
      }
    }
    expect(bare).toEqual([])
    expect(linked.length).toBeGreaterThan(0)
    for (const path of linked) expect(existsSync(join(repo, path)), path).toBe(true)
  })
})
