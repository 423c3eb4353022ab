/**
 * `npm run bench bundle` (or `npx tsx bench/bundle-size.ts`): what an app that imports this
 * library actually loads, gzipped. Each case is a tiny app entry built by Vite the way an
 * app's production build would (minified, tree-shaken), importing the package as npm
 * installs it: built, packed, and the tarball unpacked into bench/.pack/node_modules
 * (`usePackedPackage()`; without it, src/ is aliased). By default vue, pinia and the runtime
 * dependencies (axios, @vueuse/core, idb-keyval, spark-md5) are external, so only our own
 * code is counted. Counted: the entry chunk and every chunk it imports statically; lazy
 * chunks (axios, the main-thread hash-wasm) and the hashing worker are listed apart.
 * Self-contained: `measureBundles()` returns the figures for other suites.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { build, type Plugin, type Rollup } from 'vite'

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url))
// Functions, not constants: read when measuring, never at import (happy-dom imports this
// through bench/report.ts with a non-file import.meta.url).
const root = () => fileURLToPath(new URL('..', import.meta.url))
const packDir = () => join(root(), 'bench/.pack')

/** Where `vue-chunked-upload` comes from: src/ (aliased) or the unpacked tarball. */
let packedRoot: string | undefined

/**
 * Builds and packs the package, unpacks the tarball where npm would put it, and makes every
 * later `measure()` import it from there (its dependencies resolve from the repository's
 * node_modules). Returns the tarball's path.
 */
export function usePackedPackage(): string {
  const ROOT = root()
  const PACK = packDir()
  rmSync(PACK, { recursive: true, force: true })
  mkdirSync(join(PACK, 'node_modules/vue-chunked-upload'), { recursive: true })
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' })
  execFileSync('npm', ['pack', '--silent', '--pack-destination', PACK], { cwd: ROOT })
  const tarball = join(
    PACK,
    readdirSync(PACK).find((name) => name.endsWith('.tgz'))!,
  )
  execFileSync('tar', [
    '-xzf',
    tarball,
    '-C',
    join(PACK, 'node_modules/vue-chunked-upload'),
    '--strip-components=1',
  ])
  packedRoot = PACK
  return tarball
}

/** The cases: what an app writes, and what it keeps alive. */
export const BUNDLE_CASES: Record<string, string> = {
  'vue-chunked-upload: formatBytes alone': `import { formatBytes } from 'vue-chunked-upload'; export default [formatBytes]`,
  'vue-chunked-upload: UploadPlugin + HTTP': `import { UploadPlugin, createHttpProtocol } from 'vue-chunked-upload'; export default [UploadPlugin, createHttpProtocol]`,
  'vue-chunked-upload: useChunkedUpload + HTTP (headless)': `import { useChunkedUpload, createHttpProtocol } from 'vue-chunked-upload'; export default [useChunkedUpload, createHttpProtocol]`,
  './vue + ./http: UploadPlugin': `import { UploadPlugin } from 'vue-chunked-upload/vue'; import { createHttpProtocol } from 'vue-chunked-upload/http'; export default [UploadPlugin, createHttpProtocol]`,
  './vue + ./s3: UploadPlugin': `import { UploadPlugin } from 'vue-chunked-upload/vue'; import { createS3Protocol } from 'vue-chunked-upload/s3'; export default [UploadPlugin, createS3Protocol]`,
  './vue + ./tus: UploadPlugin': `import { UploadPlugin } from 'vue-chunked-upload/vue'; import { createTusProtocol } from 'vue-chunked-upload/tus'; export default [UploadPlugin, createTusProtocol]`,
  './vue + ./http: useChunkedUpload (headless)': `import { useChunkedUpload } from 'vue-chunked-upload/vue'; import { createHttpProtocol } from 'vue-chunked-upload/http'; export default [useChunkedUpload, createHttpProtocol]`,
  'engine only: createDefaultUploader + HTTP': `import { createDefaultUploader, createHttpProtocol } from 'vue-chunked-upload'; export default [createDefaultUploader, createHttpProtocol]`,
}

const EXTERNAL = [/^vue$/, /^pinia$/, /^@vueuse\//, /^idb-keyval/, /^axios/, /^spark-md5/]

export interface BundleFigure {
  readonly case: string
  /** gzip bytes of the JS the entry loads at start (entry + static imports). */
  readonly gzip: number
  readonly raw: number
  /** gzip bytes of the CSS it ships, if any (the components' theme). */
  readonly cssGzip: number
  /** gzip bytes of chunks loaded only on demand (e.g. hash-wasm). */
  readonly lazyGzip: number
  /** gzip bytes of the hashing worker, loaded when the first file is hashed. */
  readonly workerGzip: number
}

function virtualEntry(code: string): Plugin {
  return {
    name: 'bundle-size-entry',
    resolveId: (id) => (id === 'virtual:app' ? '\0virtual:app' : undefined),
    load: (id) => (id === '\0virtual:app' ? code : undefined),
  }
}

const gz = (text: string | Uint8Array) => gzipSync(text, { level: 9 }).length

/**
 * Builds `code` as an app entry and measures it. `external` defaults to our runtime
 * dependencies and vue/pinia (our own code only); pass `[]` to bundle everything.
 */
export async function measure(
  name: string,
  code: string,
  external: readonly RegExp[] = EXTERNAL,
): Promise<BundleFigure> {
  const result = (await build({
    configFile: false,
    logLevel: 'silent',
    base: './',
    root: packedRoot ?? root(),
    plugins: [virtualEntry(code), vue()],
    resolve: {
      alias: packedRoot
        ? []
        : [
            { find: /^vue-chunked-upload$/, replacement: src('index.ts') },
            { find: /^vue-chunked-upload\/(.*)$/, replacement: src('entries/$1.ts') },
          ],
    },
    worker: { format: 'es' },
    build: {
      write: false,
      minify: true,
      modulePreload: false,
      rolldownOptions: {
        input: 'virtual:app',
        external: [...external],
        preserveEntrySignatures: 'strict',
      },
    },
  })) as Rollup.RolldownOutput | Rollup.RolldownOutput[]
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output)
  const chunks = new Map<string, Rollup.OutputChunk>()
  let cssGzip = 0
  let workerGzip = 0
  for (const item of outputs) {
    if (item.type === 'chunk') chunks.set(item.fileName, item)
    else if (item.fileName.endsWith('.css')) cssGzip += gz(item.source)
    else if (/worker/.test(item.fileName) && item.fileName.endsWith('.js'))
      workerGzip += gz(item.source)
  }
  const entry = [...chunks.values()].find((chunk) => chunk.isEntry)!
  const eager = new Set<string>()
  const visit = (fileName: string) => {
    if (eager.has(fileName)) return
    eager.add(fileName)
    for (const next of chunks.get(fileName)?.imports ?? []) if (chunks.has(next)) visit(next)
  }
  visit(entry.fileName)
  let gzip = 0
  let raw = 0
  let lazyGzip = 0
  for (const chunk of chunks.values()) {
    if (eager.has(chunk.fileName)) {
      gzip += gz(chunk.code)
      raw += chunk.code.length
    } else lazyGzip += gz(chunk.code)
  }
  return { case: name, gzip, raw, cssGzip, lazyGzip, workerGzip }
}

export async function measureBundles(): Promise<BundleFigure[]> {
  const figures: BundleFigure[] = []
  for (const [name, code] of Object.entries(BUNDLE_CASES)) figures.push(await measure(name, code))
  return figures
}

const kB = (bytes: number) => (bytes / 1000).toFixed(2).padStart(6)

/** Prints the table (target: core + vue + one protocol ≤ 15 kB gzip). */
export async function runBundleBench(): Promise<void> {
  const figures = await measureBundles()
  console.log(`\n${'case'.padEnd(58)} JS gzip  (raw)     CSS gz  lazy gz  worker gz`)
  for (const f of figures) {
    console.log(
      `${f.case.padEnd(58)} ${kB(f.gzip)} kB (${kB(f.raw)}) ${kB(f.cssGzip)} ${kB(f.lazyGzip)} ${kB(f.workerGzip)}`,
    )
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  usePackedPackage()
  await runBundleBench()
}
