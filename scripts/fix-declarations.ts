/**
 * After `vue-tsc -p tsconfig.build.json` (declarations in dist/types): makes every .d.ts
 * resolve the same under `moduleResolution: bundler`, `node16` and `nodenext`.
 *  - Relative specifiers get their file: `./core` becomes `./core/index.js`, `./errors`
 *    `./errors.js`, `./UploadDropzone.vue` `./UploadDropzone.vue.js` (node16 allows no
 *    extensionless or directory imports; TypeScript maps `.js` to the `.d.ts` beside it).
 *  - Side-effect imports of CSS are dropped: the styles ship once, as style.css.
 * A specifier that matches no declaration file fails the build.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../dist/types', import.meta.url))

function* declarations(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* declarations(path)
    else if (name.endsWith('.d.ts')) yield path
  }
}

/** The `.js` specifier TypeScript resolves to the declaration `spec` means. */
function withExtension(file: string, spec: string): string {
  if (spec.endsWith('.js')) return spec
  const base = join(dirname(file), spec)
  if (existsSync(`${base}.d.ts`)) return `${spec}.js`
  if (existsSync(join(base, 'index.d.ts'))) return `${spec.replace(/\/$/, '')}/index.js`
  throw new Error(`${relative(root, file)}: no declaration for '${spec}'`)
}

const CSS_IMPORT = /^\s*import\s+['"][^'"]+\.css['"];?\s*$/gm
// `from './x'`, `import('./x')`, `import './x'`: the relative ones only.
const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g

let changed = 0
for (const file of declarations(root)) {
  const before = readFileSync(file, 'utf8')
  const after = before
    .replace(CSS_IMPORT, '')
    .replace(
      SPECIFIER,
      (_, lead: string, quote: string, spec: string) =>
        `${lead}${quote}${withExtension(file, spec)}${quote}`,
    )
  if (after !== before) {
    writeFileSync(file, after)
    changed++
  }
}
console.log(`fix-declarations: ${changed} file(s) rewritten under ${relative(process.cwd(), root)}`)
