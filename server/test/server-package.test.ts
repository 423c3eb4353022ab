/**
 * `@vue-chunked-upload/server` as a Node app gets it: packed with `npm pack`, unpacked into
 * a fresh app's node_modules with only the dependencies its package.json declares beside
 * it (linked from this repository's install, so nothing is downloaded), type-checked under
 * `node16` resolution, then mounted in node:http, Express, Fastify and Hono
 * (test/fixtures/server-package/app.ts), each taking a real upload over the HTTP chunk
 * protocol. The snippets of docs/server.md are type-checked in the same app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { CHUNK, md5Hex, randomFile } from '../testing/harness'

const run = promisify(execFile)
const repo = fileURLToPath(new URL('../..', import.meta.url))
const fixture = join(repo, 'test/fixtures/server-package')
/** What the fixture app itself depends on, besides the server package. */
const APP_DEPS = [
  'express',
  'fastify',
  'hono',
  '@hono/node-server',
  '@types/node',
  '@types/express',
]

interface PackageJson {
  name: string
  dependencies?: Record<string, string>
  exports: Record<string, unknown>
  bin?: Record<string, string>
}

let work: string
let app: string
let installed: string
let pkg: PackageJson
let child: ChildProcess | undefined

/** Links `node_modules/<name>` of the app to this repository's install of it. */
function linkDependency(name: string): void {
  const target = join(app, 'node_modules', name)
  mkdirSync(dirname(target), { recursive: true })
  symlinkSync(join(repo, 'node_modules', name), target, 'dir')
}

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  )

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vcu-server-pkg-'))
  // prepack builds dist/ (tsc + file extensions) before packing.
  const { stdout } = await run(
    'npm',
    ['pack', '--workspace', 'server', '--pack-destination', work, '--json'],
    { cwd: repo, maxBuffer: 16 * 1024 * 1024 },
  )
  const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string }]
  app = join(work, 'app')
  installed = join(app, 'node_modules/@vue-chunked-upload/server')
  mkdirSync(installed, { recursive: true })
  await run('tar', ['-xzf', join(work, filename), '-C', installed, '--strip-components=1'])
  pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson
  for (const name of [...Object.keys(pkg.dependencies ?? {}), ...APP_DEPS]) linkDependency(name)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ private: true, type: 'module' }))
  for (const file of ['app.ts', 'tsconfig.json']) copyFileSync(join(fixture, file), join(app, file))
  // The guide's snippets are type-checked with the app, against the same tarball.
  const guide = readFileSync(join(repo, 'docs/server.md'), 'utf8')
  const blocks = [...guide.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1])
  expect(blocks.length).toBeGreaterThanOrEqual(6)
  blocks.forEach((code, index) => writeFileSync(join(app, `guide-${index}.ts`), code))
}, 180_000)

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  }
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('@vue-chunked-upload/server from its tarball', () => {
  it('ships built JS and declarations only, importing nothing it does not declare', () => {
    const files = walk(installed).map((file) => file.slice(installed.length + 1))
    expect(files).toContain('dist/index.js')
    expect(files).toContain('dist/index.d.ts')
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([])
    expect(files.some((file) => /testing|s3-local|dev\.js/.test(file))).toBe(false)

    const declared = new Set(Object.keys(pkg.dependencies ?? {}))
    const bare = new Set<string>()
    for (const file of files.filter((f) => /\.(js|d\.ts)$/.test(f))) {
      const text = readFileSync(join(installed, file), 'utf8')
      for (const [, specifier] of text.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g)) {
        if (specifier.startsWith('.')) {
          // Node's ES modules and node16 resolution need the file name spelled out.
          expect(specifier, `${file} imports ${specifier}`).toMatch(/\.js$/)
          continue
        }
        if (specifier.startsWith('node:')) continue
        const name = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]
        bare.add(name)
      }
    }
    expect([...bare].filter((name) => !declared.has(name))).toEqual([])
  })

  it('type-checks the app and docs/server.md under node16 resolution (tsc), then builds it', async () => {
    const tsc = join(repo, 'node_modules/typescript/bin/tsc')
    const result = await run(process.execPath, [tsc, '-p', app]).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    )
    expect(result.stdout).toBe('')
    expect(readFileSync(join(app, 'build/app.js'), 'utf8')).toContain('createNodeListener')
  }, 120_000)

  it('takes an upload over the HTTP chunk protocol in node:http, Express, Fastify and Hono', async () => {
    const stores = join(work, 'stores')
    child = spawn(process.execPath, ['build/app.js', stores], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`the app exited with ${String(code)} before listening`)
    })
    const listening = once(createInterface({ input: child.stdout! }), 'line')
    const [line] = (await Promise.race([listening, exited])) as [string]
    const urls = JSON.parse(line) as Record<string, string>
    expect(Object.keys(urls)).toEqual(['node:http', 'express', 'fastify', 'hono'])

    const file = randomFile(2 * CHUNK + 1000)
    const hash = md5Hex(file)
    const store: Record<string, string> = {
      'node:http': 'node-http',
      express: 'express',
      fastify: 'fastify',
      hono: 'hono',
    }
    for (const [name, url] of Object.entries(urls)) {
      const base = `${url}/http/uploads`
      const created = await fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'a.bin', size: file.length, chunkSize: CHUNK }),
      })
      expect(created.status, name).toBe(201)
      const { id } = (await created.json()) as { id: string }
      for (let index = 0; index * CHUNK < file.length; index++) {
        const put = await fetch(`${base}/${id}/chunks/${index}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream' },
          body: file.subarray(index * CHUNK, (index + 1) * CHUNK) as Uint8Array<ArrayBuffer>,
        })
        expect(put.status, `${name}: chunk ${index}`).toBe(204)
      }
      const status = (await (await fetch(`${base}/${id}`)).json()) as { received: unknown }
      expect(status.received, name).toEqual([[0, Math.ceil(file.length / CHUNK)]])
      const done = await fetch(`${base}/${id}/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hash }),
      })
      expect(done.status, name).toBe(200)
      expect(((await done.json()) as { hash: string }).hash, name).toBe(hash)
      const stored = readFileSync(join(stores, store[name], 'files', id))
      expect(md5Hex(stored), name).toBe(hash)
      expect(stored.length, name).toBe(file.length)
    }
  }, 120_000)

  it('runs as a command (bin) that prints its URL', async () => {
    const bin = join(installed, pkg.bin!['vue-chunked-upload-server'])
    const root = join(work, 'bin-store')
    const cli = spawn(bin, ['--port', '0', '--root', root], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    try {
      const [url] = (await once(createInterface({ input: cli.stdout }), 'line')) as [string]
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${url}/http/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      })
      expect(res.status).toBe(400)
    } finally {
      const exited = once(cli, 'exit')
      cli.kill('SIGTERM')
      expect((await exited)[0]).toBe(0)
    }
  })
})
