import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bin, installTarball, ROOT, sh } from './tarball'

describe('the packed tarball, as linters of published packages see it', () => {
  const tarball = inject('tarball')

  it('are-the-types-wrong finds no problem for any entry (ESM-only: node16 and bundler)', () => {
    const out = sh(ROOT, bin(ROOT, 'attw'), [
      tarball,
      '--profile',
      'esm-only',
      // Not modules with types: the worker script and the stylesheet.
      '--exclude-entrypoints',
      './md5.worker.js',
      './style.css',
      '--no-emoji',
    ])
    // attw exits non-zero on a problem (sh throws with its report); the table must agree.
    const problems = out
      .split('\n')
      .filter((line) => /Resolution failed|No types|error|Masquerading|Incorrect/i.test(line))
    expect(problems.filter((line) => !line.includes('(ignored'))).toEqual([])
    // Every entry was checked, the new ones included.
    for (const entry of ['pinia', 'tabs', 'protocol-kit', 'core', 'vue'])
      expect(out).toContain(`"vue-chunked-upload/${entry}"`)
  })

  it('publint --strict reports nothing', () => {
    const out = sh(ROOT, bin(ROOT, 'publint'), ['run', tarball, '--strict'])
    expect(out).toContain('All good!')
  })
})

describe('the packed tarball’s contents', () => {
  let dir: string
  const files = (): string[] =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => f.split(sep).join('/'))
  const read = (path: string) => readFileSync(join(dir, path), 'utf8')

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vcu-tarball-'))
    installTarball(dir, inject('tarball'))
    dir = join(dir, 'node_modules', 'vue-chunked-upload')
  })
  afterAll(() => rmSync(join(dir, '../..'), { recursive: true, force: true }))

  it('ships LICENSE, README and the package fields an npm page links', () => {
    expect(files()).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']))
    const pkg = JSON.parse(read('package.json')) as Record<string, unknown>
    expect(pkg).toMatchObject({
      license: 'MIT',
      repository: { url: expect.stringContaining('github.com/vue-chunked-upload') },
      homepage: expect.any(String),
      bugs: { url: expect.any(String) },
    })
    // Caret ranges: apps share one copy of each dependency and get its patches.
    for (const range of Object.values(pkg.dependencies as Record<string, string>))
      expect(range).toMatch(/^\^/)
  })

  it('has a sourcemap for every JavaScript file, linked from it', () => {
    const js = files().filter((f) => f.endsWith('.js'))
    expect(js.length).toBeGreaterThan(10)
    for (const file of js) {
      expect(files(), file).toContain(`${file}.map`)
      expect(read(file), file).toContain(`//# sourceMappingURL=${file.split('/').pop()}.map`)
    }
  })

  it('keeps the worker in the form bundlers build, self-contained, with one hash-wasm copy', () => {
    const js = files().filter((f) => f.endsWith('.js'))
    const workerUsers = js.filter((f) =>
      read(f).includes(
        'new Worker(new URL("./md5.worker.js", import.meta.url), { type: "module" })',
      ),
    )
    expect(workerUsers).toHaveLength(1)
    expect(read('dist/md5.worker.js')).not.toMatch(/^\s*import\s|\bimport\(/m)
    // hash-wasm's code and its license banner, once, in the worker.
    const banner = 'hash-wasm (https://www.npmjs.com/package/hash-wasm)'
    expect(js.filter((f) => read(f).includes(banner))).toEqual(['dist/md5.worker.js'])
    expect(js.filter((f) => read(f).includes('function createMD5('))).toEqual([
      'dist/md5.worker.js',
    ])
  })

  it('imports pinia from the pinia entry only, and axios only lazily', () => {
    const js = files().filter((f) => f.endsWith('.js'))
    const staticImport = (name: string) => new RegExp(`^import[^;]*from\\s*"${name}"`, 'm')
    const piniaUsers = js.filter((f) => staticImport('pinia').test(read(f)))
    expect(piniaUsers).toEqual(['dist/pinia.js'])
    expect(js.filter((f) => staticImport('axios').test(read(f)))).toEqual([])
  })

  it('ships a clean stylesheet and declarations without CSS imports', () => {
    expect(read('dist/style.css')).not.toContain('$vite$')
    const dts = files().filter((f) => f.endsWith('.d.ts'))
    expect(dts.filter((f) => /import\s+['"][^'"]+\.css['"]/.test(read(f)))).toEqual([])
  })
})
