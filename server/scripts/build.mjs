/**
 * Builds the server package: tsc to dist/ (JS, .d.ts, maps), then gives every relative
 * import its file name (`./router` → `./router.js`, `./tus` → `./tus/index.js`), because
 * Node's ES modules and `moduleResolution: node16` resolve nothing without one while the
 * sources keep the extensionless style of the rest of the repository.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('..', import.meta.url))
const dist = join(here, 'dist')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

rmSync(dist, { recursive: true, force: true })
const built = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], {
  stdio: 'inherit',
})
if (built.status !== 0) process.exit(built.status ?? 1)

/** @param {string} dir @returns {string[]} */
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  )

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g

for (const file of walk(dist)) {
  const declaration = file.endsWith('.d.ts')
  if (!declaration && !file.endsWith('.js')) continue
  const ext = declaration ? '.d.ts' : '.js'
  const text = readFileSync(file, 'utf8')
  const fixed = text.replace(SPECIFIER, (whole, lead, quote, specifier) => {
    if (/\.(?:m?js|json)$/.test(specifier)) return whole
    const base = join(dirname(file), specifier)
    if (existsSync(base + ext)) return `${lead}${quote}${specifier}.js${quote}`
    if (existsSync(join(base, `index${ext}`)))
      return `${lead}${quote}${specifier.replace(/\/$/, '')}/index.js${quote}`
    throw new Error(`${file}: cannot resolve ${specifier}`)
  })
  if (fixed !== text) writeFileSync(file, fixed)
}

const cli = join(dist, 'cli.js')
writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, 'utf8')}`)
chmodSync(cli, 0o755)
