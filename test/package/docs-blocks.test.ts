/**
 * Every TS and Vue code block of README.md and docs/ type-checks (strict) against the packed
 * package, installed in the Vite fixture app: what a reader copies compiles.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { docBlocks } from './docs-blocks'
import { installInApp } from './fixture'
import { bin, ROOT } from './tarball'
import { execFileSync } from 'node:child_process'

const APP = join(ROOT, 'test/consumers/vite-app')
const DIR = join(APP, 'docs-blocks')
const blocks = docBlocks(ROOT)

describe('code blocks of README.md and docs/', () => {
  let diagnostics = ''

  beforeAll(() => {
    installInApp(APP)
    rmSync(DIR, { recursive: true, force: true })
    mkdirSync(DIR)
    copyFileSync(join(ROOT, 'test/package/docs-prelude.d.ts'), join(DIR, 'docs-prelude.d.ts'))
    for (const block of blocks) writeFileSync(join(DIR, block.file), block.code)
    // The app's own root component, which the main.ts samples import as `./App.vue`.
    writeFileSync(join(DIR, 'App.vue'), '<template><main /></template>\n')
    writeFileSync(
      join(DIR, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: { types: ['vite/client'], skipLibCheck: true },
        include: ['*.ts', '*.vue'],
      }),
    )
    try {
      execFileSync(bin(APP, 'vue-tsc'), ['-p', DIR, '--noEmit', '--pretty', 'false'], {
        cwd: APP,
        encoding: 'utf8',
      })
    } catch (error) {
      diagnostics = String((error as { stdout?: string }).stdout ?? error)
    }
  })

  it('finds the blocks', () => {
    expect(blocks.length).toBeGreaterThan(10)
  })

  for (const block of blocks) {
    it(`${block.where} type-checks`, () => {
      const mine = diagnostics.split('\n').filter((line) => line.includes(block.file))
      expect(mine).toEqual([])
    })
  }

  it('leaves no diagnostic outside the blocks', () => {
    const others = diagnostics
      .split('\n')
      .filter((line) => /error TS/.test(line) && !blocks.some((b) => line.includes(b.file)))
    expect(others).toEqual([])
  })
})
