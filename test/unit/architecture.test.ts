// @vitest-environment node
/**
 * The import-direction rules of STYLE.md live in eslint.config.js. These tests lint small
 * snippets at virtual paths to prove each rule bites, and that the allowed imports pass.
 * The last block checks src/core's own layout: folder names and no import cycle.
 * Node environment: ESLint is Node tooling, and happy-dom's URL breaks fileURLToPath.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const ARCHITECTURE_RULES = new Set(['no-restricted-imports', 'no-restricted-globals'])

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

describe('src/core imports only itself', () => {
  expectAllowed([
    ['src/core/x.ts', './types'],
    ['src/core/x.ts', './errors.ts'],
    ['src/core/nested/x.ts', '../types'],
    ['src/core/run/x.ts', '../scheduling/scheduler'],
    ['src/core/run/x.ts', './job'],
  ])
  expectRejected([
    ['src/core/x.ts', 'vue'],
    ['src/core/x.ts', 'pinia'],
    ['src/core/x.ts', '@vueuse/core'],
    ['src/core/x.ts', 'axios'],
    ['src/core/x.ts', 'idb-keyval'],
    ['src/core/x.ts', 'spark-md5'],
    ['src/core/x.ts', 'some-new-package'],
    ['src/core/x.ts', 'node:fs'],
    ['src/core/x.ts', '../protocols/http'],
    ['src/core/x.ts', '../transport'],
    ['src/core/x.ts', '../hashing/worker'],
    ['src/core/x.ts', '../persistence'],
    ['src/core/x.ts', '../vue'],
    ['src/core/x.ts', '../components/UploadDropzone.vue'],
    ['src/core/x.ts', '../locales/en'],
    ['src/core/x.ts', '../index'],
    ['src/core/x.ts', '..'],
    ['src/core/x.ts', '../../server/app'],
    ['src/core/x.ts', '../../test/fakes/transport'],
    ['src/core/nested/x.ts', '../../vue'],
    ['src/core/run/x.ts', '../index'],
    ['src/core/run/x.ts', '..'],
  ])

  it('also rejects re-exports', async () => {
    expect(await violations('src/core/x.ts', "export { ref } from 'vue'\n")).not.toEqual([])
    expect(await violations('src/core/x.ts', "export * from '../transport'\n")).not.toEqual([])
  })

  it('rejects type-only imports too (core must not even know the type)', async () => {
    const code = "import type { Ref } from 'vue'\nexport type R = Ref<number>\n"
    expect(await violations('src/core/x.ts', code)).not.toEqual([])
  })

  it.each(['window', 'document', 'localStorage', 'indexedDB', 'navigator'])(
    'rejects the browser global %s',
    async (name) => {
      const [error] = await violations('src/core/x.ts', `export const v = ${name}\n`)
      expect(error).toMatch(/^no-restricted-globals: /)
    },
  )

  it('allows platform-neutral globals', async () => {
    const code = 'export const make = () => [new AbortController(), new Blob([]), setTimeout]\n'
    expect(await violations('src/core/x.ts', code)).toEqual([])
  })

  it('leaves browser globals alone outside core', async () => {
    expect(await violations('src/vue/x.ts', 'export const v = window\n')).toEqual([])
  })
})

describe('other layers reach core through its entry, errors, types and the status machine', () => {
  expectAllowed([
    ['src/vue/x.ts', '../core'],
    ['src/vue/x.ts', '../core/index'],
    ['src/vue/x.ts', '../core/errors'],
    ['src/vue/x.ts', '../core/status/status-machine'],
    ['src/protocols/http/x.ts', '../../core/types'],
    ['src/hashing/x.ts', '../core/errors.ts'],
  ])
  expectRejected([
    ['src/vue/x.ts', '../core/run/job'],
    ['src/vue/x.ts', '../core/uploader/create-uploader'],
    ['src/vue/defaults.ts', '../core/status/snapshots'],
    ['src/protocols/http/x.ts', '../../core/scheduling/scheduler'],
    ['src/protocols/tus/deep/x.ts', '../../../core/run/part-plan.ts'],
    ['src/transport/x.ts', '../core/scheduling/clock'],
    ['src/persistence/x.ts', '../core/resume/guarded-store'],
    ['src/tabs/x.ts', '../core/pauses/cross-tab-guard'],
    ['src/locales/en.ts', '../core/uploader/restrictions'],
  ])
})

describe('src/protocols/<p> import core only, never each other', () => {
  expectAllowed([
    ['src/protocols/http/x.ts', '../../core/types'],
    ['src/protocols/http/x.ts', './wire'],
    ['src/protocols/s3/deep/x.ts', '../../../core/errors'],
    ['src/protocols/tus/x.ts', '../../core'],
  ])
  expectRejected([
    ['src/protocols/http/x.ts', '../s3/y'],
    ['src/protocols/http/x.ts', '../tus'],
    ['src/protocols/s3/x.ts', '../http/wire'],
    ['src/protocols/s3/deep/x.ts', '../../http/wire'],
    ['src/protocols/http/x.ts', '../../protocols/s3'],
    ['src/protocols/http/x.ts', '..'],
    ['src/protocols/http/x.ts', 'vue'],
    ['src/protocols/http/x.ts', 'axios'],
    ['src/protocols/http/x.ts', '../../transport'],
    ['src/protocols/http/x.ts', '../../hashing'],
    ['src/protocols/http/x.ts', '../../persistence'],
    ['src/protocols/http/x.ts', '../../vue'],
  ])
})

describe('adapters: core plus their one library, never each other', () => {
  expectAllowed([
    ['src/transport/x.ts', 'axios'],
    ['src/transport/x.ts', '../core/types'],
    ['src/hashing/x.ts', 'spark-md5'],
    ['src/hashing/x.ts', 'hash-wasm'],
    ['src/hashing/x.ts', './md5.worker.ts?worker'],
    ['src/hashing/x.ts', '../core/errors'],
    ['src/persistence/x.ts', 'idb-keyval'],
    ['src/persistence/x.ts', '../core/types'],
    ['src/tabs/x.ts', '../core'],
    ['src/tabs/x.ts', './channel'],
  ])
  expectRejected([
    ['src/transport/x.ts', 'spark-md5'],
    ['src/transport/x.ts', 'vue'],
    ['src/transport/x.ts', '../hashing'],
    ['src/transport/x.ts', '../protocols/http'],
    ['src/hashing/x.ts', 'axios'],
    ['src/hashing/x.ts', '../persistence'],
    ['src/hashing/x.ts', '../vue'],
    ['src/persistence/x.ts', 'axios'],
    ['src/persistence/x.ts', '../transport/axios'],
    ['src/persistence/x.ts', '../components'],
    ['src/tabs/x.ts', 'vue'],
    ['src/tabs/x.ts', '@vueuse/core'],
    ['src/tabs/x.ts', 'idb-keyval'],
    ['src/tabs/x.ts', '../persistence'],
    ['src/tabs/x.ts', '../transport'],
    ['src/tabs/x.ts', '../vue'],
    ['src/core/x.ts', '../tabs'],
  ])
})

describe('src/locales use core types only', () => {
  it('allows a type import from core', async () => {
    const code = "import type { FileInfo } from '../core/types'\nexport type F = FileInfo\n"
    expect(await violations('src/locales/en.ts', code)).toEqual([])
  })
  expectRejected([
    ['src/locales/en.ts', '../core/errors'],
    ['src/locales/en.ts', 'vue'],
    ['src/locales/en.ts', '../vue'],
  ])
})

describe('src/vue: core, locales, vue, pinia, @vueuse; adapters only in defaults.ts', () => {
  expectAllowed([
    ['src/vue/useChunkedUpload.ts', 'pinia'],
    ['src/vue/useChunkedUpload.ts', '@vueuse/core'],
    ['src/vue/useChunkedUpload.ts', '../core/types'],
    ['src/vue/useChunkedUpload.ts', '../locales/en'],
    ['src/vue/defaults.ts', '../transport'],
    ['src/vue/defaults.ts', '../hashing'],
    ['src/vue/defaults.ts', '../persistence'],
    ['src/vue/defaults.ts', '../tabs'],
    ['src/vue/defaults.ts', '../protocols/http'],
  ])
  expectRejected([
    ['src/vue/other.ts', '../transport'],
    ['src/vue/other.ts', '../hashing'],
    ['src/vue/other.ts', '../persistence'],
    ['src/vue/other.ts', '../tabs'],
    ['src/vue/other.ts', '../protocols/http'],
    ['src/vue/other.ts', '../components'],
    ['src/vue/other.ts', 'axios'],
    ['src/vue/defaults.ts', '../components'],
    ['src/vue/defaults.ts', 'axios'],
  ])

  it.each(['onMounted', 'onUnmounted', 'onBeforeUnmount'])(
    'rejects %s from vue (use tryOnScopeDispose)',
    async (name) => {
      const code = `import { ${name}, ref } from 'vue'\nexport { ${name}, ref }\n`
      expect(await violations('src/vue/useChunkedUpload.ts', code)).toHaveLength(1)
      expect(await violations('src/vue/defaults.ts', code)).toHaveLength(1)
    },
  )

  it('allows other vue imports', async () => {
    const code = "import { ref, shallowRef } from 'vue'\nexport { ref, shallowRef }\n"
    expect(await violations('src/vue/useChunkedUpload.ts', code)).toEqual([])
  })
})

describe("src/components: src/vue's public API, locales, vue, @vueuse", () => {
  expectAllowed([
    ['src/components/UploadDropzone/UploadDropzone.ts', '../../vue'],
    ['src/components/UploadDropzone/UploadDropzone.ts', '../../vue/index'],
    ['src/components/UploadDropzone/UploadDropzone.ts', '../../locales/en'],
    ['src/components/UploadDropzone/UploadDropzone.ts', '../UploadProgress'],
    ['src/components/UploadDropzone/UploadDropzone.ts', 'vue'],
    ['src/components/UploadDropzone/UploadDropzone.ts', '@vueuse/core'],
  ])
  expectRejected([
    ['src/components/UploadDropzone/UploadDropzone.ts', '../../vue/useChunkedUpload'],
    ['src/components/UploadDropzone/UploadDropzone.ts', '../../core/types'],
    ['src/components/UploadDropzone/UploadDropzone.ts', '../../transport'],
    ['src/components/UploadDropzone/UploadDropzone.ts', '../../protocols/http'],
    ['src/components/UploadDropzone/UploadDropzone.ts', 'pinia'],
    ['src/components/UploadDropzone/UploadDropzone.ts', 'axios'],
  ])

  it('applies inside .vue single-file components', async () => {
    const sfc = (source: string) =>
      `<script setup lang="ts">\nimport { x } from '${source}'\n</script>\n\n<template>\n  <div>{{ x }}</div>\n</template>\n`
    const file = 'src/components/UploadDropzone/UploadDropzone.vue'
    expect(await violations(file, sfc('../../core/scheduler'))).not.toEqual([])
    expect(await violations(file, sfc('../../vue'))).toEqual([])
  })
})

describe('server/ never imports src/ or vue', () => {
  expectAllowed([
    ['server/app.ts', 'node:http'],
    ['server/routes/chunks.ts', '../store'],
  ])
  expectRejected([
    ['server/app.ts', '../src/core/types'],
    ['server/routes/chunks.ts', '../../src/protocols/http/wire'],
    ['server/app.ts', 'vue'],
    ['server/app.ts', 'vue-chunked-upload'],
  ])
})

describe('playground/ and stories/ use the public entries only', () => {
  expectAllowed([
    ['stories/UploadDropzone.stories.ts', 'vue-chunked-upload'],
    ['stories/UploadDropzone.stories.ts', 'vue-chunked-upload/http'],
    ['playground/src/main.ts', 'vue-chunked-upload'],
    ['playground/src/main.ts', 'vue'],
  ])
  expectRejected([
    ['stories/UploadDropzone.stories.ts', '../src/components/UploadDropzone.vue'],
    ['playground/src/main.ts', '../../src/index'],
    ['playground/main.ts', '../src/vue/useChunkedUpload'],
  ])
})

describe('src/core layout', () => {
  const core = join(root, 'src/core')

  it('has no sub-folder named like a layer (the rules above match layers by folder name)', () => {
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
