// @vitest-environment node
/**
 * The import-direction rules of STYLE.md live in eslint.config.js. These tests lint small
 * snippets at virtual paths (importing real files, as the zones resolve them) to prove each
 * rule bites, and that the allowed imports pass.
 * The last block checks src/core's own layout: folder names and no import cycle.
 * Node environment: ESLint is Node tooling, and happy-dom's URL breaks fileURLToPath.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const ARCHITECTURE_RULES = new Set([
  'no-restricted-imports',
  'no-restricted-globals',
  'import-x/no-restricted-paths',
  'import-x/no-nodejs-modules',
])

let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: `${root}/eslint.config.js` })
})

/** The architecture errors for `code` placed at `filePath`; fails on parse errors. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath, warnIgnored: true })
  const fatal = result.messages.filter((m) => m.fatal || m.ruleId === null)
  expect(fatal.map((m) => m.message)).toEqual([])
  return result.messages
    .filter((m) => m.ruleId !== null && ARCHITECTURE_RULES.has(m.ruleId))
    .map((m) => `${m.ruleId}: ${m.message}`)
}

const importing = (source: string) => `import * as m from '${source}'\nexport { m }\n`

type Case = [file: string, source: string]

/** Each import must be reported, as many times as rules match, and at least once. */
function expectRejected(cases: Case[]) {
  it.each(cases)('%s must not import %s', async (file, source) => {
    expect(await violations(file, importing(source))).not.toEqual([])
  })
}

function expectAllowed(cases: Case[]) {
  it.each(cases)('%s may import %s', async (file, source) => {
    expect(await violations(file, importing(source))).toEqual([])
  })
}

describe('each rule bites', () => {
  expectAllowed([
    ['src/core/run/x.ts', '../scheduling/scheduler'],
    ['src/core/nested/x.ts', '../types'],
    ['src/vue/x.ts', '../core'],
    ['src/vue/x.ts', '../core/errors'],
    ['src/vue/x.ts', '../core/status/status-machine'],
    ['src/protocols/http/x.ts', '../../core/types'],
    ['src/protocols/http/x.ts', './wire'],
    ['src/transport/x.ts', 'axios'],
    ['src/hashing/x.ts', './md5.worker.ts?worker'],
    ['src/vue/use-chunked-upload.ts', '@vueuse/core'],
    ['src/vue/defaults.ts', '../transport'],
    ['src/vue/defaults.ts', '../protocols/http'],
    ['src/components/UploadDropzone.vue', '../vue'],
    ['src/components/x.ts', '../locales/en'],
    ['server/x.ts', 'node:http'],
    ['stories/x.stories.ts', 'vue-chunked-upload/http'],
  ])
  expectRejected([
    // src/core: only itself, no package, no builtin
    ['src/core/x.ts', '../transport'],
    ['src/core/nested/x.ts', '../../vue'],
    ['src/core/x.ts', 'vue'],
    ['src/core/x.ts', 'node:fs'],
    // a parent folder's index, inside a layer too
    ['src/core/run/x.ts', '..'],
    ['src/protocols/http/x.ts', '..'],
    // other layers: core's entry, errors, types and status machine only
    ['src/vue/x.ts', '../core/run/job'],
    ['src/protocols/tus/deep/x.ts', '../../../core/run/part-plan.ts'],
    // protocols never each other
    ['src/protocols/http/x.ts', '../s3/protocol'],
    // adapters: core and their one library
    ['src/transport/x.ts', 'spark-md5'],
    ['src/transport/x.ts', '../hashing'],
    ['src/tabs/x.ts', '../persistence'],
    // src/vue: adapters only in defaults.ts, never components
    ['src/vue/x.ts', '../transport'],
    ['src/vue/defaults.ts', '../components'],
    ['src/vue/x.ts', 'axios'],
    // src/components: src/vue's index only, never core
    ['src/components/x.ts', '../vue/use-chunked-upload'],
    ['src/components/x.ts', '../core/types'],
    ['src/components/x.ts', 'pinia'],
    // library code stays in src/; server and consumers never reach src/
    ['src/core/x.ts', '../../test/fakes/fake-clock'],
    ['server/x.ts', '../src/core/types'],
    ['server/x.ts', 'vue'],
    ['stories/x.stories.ts', '../src/components/UploadDropzone.vue'],
    ['playground/src/main.ts', '../../src/index'],
  ])

  it('rejects re-exports and type-only imports in core', async () => {
    expect(await violations('src/core/x.ts', "export * from '../transport'\n")).not.toEqual([])
    const code = "import type { Ref } from 'vue'\nexport type R = Ref<number>\n"
    expect(await violations('src/core/x.ts', code)).not.toEqual([])
  })

  it('rejects browser globals in core only', async () => {
    const [error] = await violations('src/core/x.ts', 'export const v = window\n')
    expect(error).toMatch(/^no-restricted-globals: /)
    expect(await violations('src/core/x.ts', 'export const v = new AbortController()\n')).toEqual(
      [],
    )
    expect(await violations('src/vue/x.ts', 'export const v = window\n')).toEqual([])
  })

  it('lets src/locales take types, never values, from core', async () => {
    const type = "import type { FileInfo } from '../core/types'\nexport type F = FileInfo\n"
    expect(await violations('src/locales/en.ts', type)).toEqual([])
    expect(await violations('src/locales/en.ts', importing('../core/errors'))).not.toEqual([])
  })

  it('rejects onMounted in src/vue (use tryOnScopeDispose)', async () => {
    const code = "import { onMounted, ref } from 'vue'\nexport { onMounted, ref }\n"
    expect(await violations('src/vue/defaults.ts', code)).toHaveLength(1)
  })

  it('applies inside .vue single-file components', async () => {
    const sfc = (source: string) =>
      `<script setup lang="ts">\nimport { x } from '${source}'\n</script>\n\n<template>\n  <div>{{ x }}</div>\n</template>\n`
    const file = 'src/components/UploadDropzone.vue'
    expect(await violations(file, sfc('../core/scheduling/scheduler'))).not.toEqual([])
    expect(await violations(file, sfc('../vue'))).toEqual([])
  })
})

describe('src/core layout', () => {
  const core = join(root, 'src/core')

  it('has no sub-folder named like a layer (a relative path reads as the layer it names)', () => {
    const layers = readdirSync(join(root, 'src'))
    const folders = readdirSync(core, { withFileTypes: true }).filter((e) => e.isDirectory())
    expect(folders.length).toBeGreaterThan(0)
    for (const folder of folders) expect(layers).not.toContain(folder.name)
  })

  it('has no import cycle between its files, type-only imports included', () => {
    const cycles = importCycles(core)
    expect(cycles).toEqual([])
  })

  it('finds a cycle when there is one (the check itself bites)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ])
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']])
  })
})

/** Relative imports of every .ts file under `dir`, resolved to files, as a graph. */
function importCycles(dir: string): string[][] {
  const graph = new Map<string, string[]>()
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts')) graph.set(path, [])
    }
  }
  walk(dir)
  for (const [file, deps] of graph) {
    for (const [, source] of readFileSync(file, 'utf8').matchAll(/from\s+'(\.[^']*)'/g)) {
      const target = resolve(dirname(file), source)
      const found = [target, `${target}.ts`, join(target, 'index.ts')].find((p) => graph.has(p))
      if (found) deps.push(found)
    }
  }
  return findCycles(graph).map((cycle) => cycle.map((file) => relative(dir, file)))
}

/** The strongly connected components of more than one file (Tarjan), each sorted. */
function findCycles(graph: Map<string, string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const cycles: string[][] = []
  const visit = (file: string): void => {
    index.set(file, next)
    low.set(file, next++)
    stack.push(file)
    for (const dep of graph.get(file) ?? []) {
      if (!index.has(dep)) {
        visit(dep)
        low.set(file, Math.min(low.get(file)!, low.get(dep)!))
      } else if (stack.includes(dep)) {
        low.set(file, Math.min(low.get(file)!, index.get(dep)!))
      }
    }
    if (low.get(file) !== index.get(file)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      component.push(member)
    } while (member !== file)
    if (component.length > 1) cycles.push(component.sort())
  }
  for (const file of graph.keys()) if (!index.has(file)) visit(file)
  return cycles
}
