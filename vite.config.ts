import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { playwright } from '@vitest/browser-playwright'
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin'
import { readFileSync } from 'node:fs'
import { posix, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import MagicString from 'magic-string'
import type { Plugin } from 'vite'

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

/** Public entries: each becomes dist/<name>.js, so an app loads only the protocol it uses. */
const entries = {
  index: src('index.ts'),
  core: src('entries/core.ts'),
  http: src('entries/http.ts'),
  s3: src('entries/s3.ts'),
  tus: src('entries/tus.ts'),
  hashing: src('entries/hashing.ts'),
  transport: src('entries/transport.ts'),
  persistence: src('entries/persistence.ts'),
  tabs: src('entries/tabs.ts'),
  'protocol-kit': src('entries/protocol-kit.ts'),
  vue: src('entries/vue.ts'),
  pinia: src('entries/pinia.ts'),
}

/** `vue-chunked-upload/<entry>` resolved to its source, for tests, stories and pages. */
export const SUBPATH_ALIAS = new RegExp(
  `^vue-chunked-upload/(${Object.keys(entries)
    .filter((name) => name !== 'index')
    .join('|')})$`,
)

/** The published worker, built on its own by vite.worker.config.ts. */
const WORKER_FILE = 'md5.worker.js'
const WORKER_PLACEHOLDER = '__VCU_MD5_WORKER_FILE__'
const SOURCE_WORKER_URL = "new URL('./md5.worker.ts', import.meta.url)"

/**
 * Library build only: the published JS keeps `new Worker(new URL('./md5.worker.js',
 * import.meta.url), { type: 'module' })` literally, the form every bundler builds, instead of
 * Vite turning it into an asset URL behind `@vite-ignore`. And hash-wasm (for the main
 * thread's `md5: 'wasm'` fallback) is imported from that worker file, its one copy.
 */
function publishedWorker(): Plugin {
  return {
    name: 'vcu-published-worker',
    enforce: 'pre',
    apply: (config, env) => env.command === 'build' && Boolean(config.build?.lib),
    resolveId(id) {
      // Named relative to each chunk in renderChunk, like the worker's URL.
      if (id === 'hash-wasm') return { id: WORKER_PLACEHOLDER, external: true }
    },
    transform(code, id) {
      if (!id.endsWith('/src/hashing/worker-hasher.ts')) return
      if (!code.includes(SOURCE_WORKER_URL)) this.error(`${SOURCE_WORKER_URL} not found in ${id}`)
      const out = new MagicString(code)
      out.replace(SOURCE_WORKER_URL, `new URL(${WORKER_PLACEHOLDER}, import.meta.url)`)
      return { code: out.toString(), map: out.generateMap({ hires: true }) }
    },
    renderChunk(code, chunk) {
      if (!code.includes(WORKER_PLACEHOLDER)) return
      const path = posix.relative(posix.dirname(chunk.fileName), WORKER_FILE)
      const out = new MagicString(code)
      // The URL's placeholder is an identifier, the import's a string: both become the path.
      const quoted = new RegExp(`(["']?)${WORKER_PLACEHOLDER}\\1`, 'g')
      out.replaceAll(quoted, `'${path.startsWith('.') ? path : `./${path}`}'`)
      return { code: out.toString(), map: out.generateMap({ hires: true }) }
    },
  }
}

/**
 * Entry files that only re-export get no sourcemap from Rolldown (nothing maps). Each gets
 * one naming its source entry, so every published .js file has a map.
 */
function entrySourcemaps(): Plugin {
  return {
    name: 'vcu-entry-sourcemaps',
    enforce: 'post',
    apply: (config, env) => env.command === 'build' && Boolean(config.build?.lib),
    generateBundle(_, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || !chunk.isEntry || chunk.map || !chunk.facadeModuleId) continue
        const source = chunk.facadeModuleId
        this.emitFile({
          type: 'asset',
          fileName: `${chunk.fileName}.map`,
          source: JSON.stringify({
            version: 3,
            file: posix.basename(chunk.fileName),
            sources: [posix.relative(resolve('dist', posix.dirname(chunk.fileName)), source)],
            sourcesContent: [readFileSync(source, 'utf8')],
            names: [],
            // The file as a whole comes from line 1 of its entry module.
            mappings: 'AAAA',
          }),
        })
        chunk.code += `\n//# sourceMappingURL=${posix.basename(chunk.fileName)}.map\n`
      }
    },
  }
}

/** Vite 8 leaves its CSS chunk marker (`/*$vite$:1*\/`) in a library's extracted stylesheet. */
function cleanStylesheet(): Plugin {
  return {
    name: 'vcu-clean-stylesheet',
    enforce: 'post',
    apply: (config, env) => env.command === 'build' && Boolean(config.build?.lib),
    generateBundle(_, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'asset' && file.fileName.endsWith('.css'))
          file.source = String(file.source).replace(/\/\*\$vite\$:\d+\*\/\n?/g, '')
      }
    },
  }
}

const node = (
  name: string,
  include: string[],
  timeout: number,
  globalSetup: string[] = [],
): TestProjectInlineConfiguration => ({
  extends: true,
  test: {
    name,
    environment: 'node',
    include,
    testTimeout: timeout,
    hookTimeout: timeout,
    globalSetup,
  },
})

/** One Ceph RGW per run for the S3 suites (under CI or VCU_S3=rgw), see test/infra. */
const S3_SETUP = ['test/infra/s3-global-setup.ts']

/** Debian's Chromium, for the stories (vitest browser mode); never `npx playwright install`. */
const chromium = () => ({
  enabled: true,
  headless: true,
  provider: playwright({
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  }),
  instances: [{ browser: 'chromium' as const }],
})

export default defineConfig({
  // Required: with the default '/', the hashing worker's URL becomes root-absolute and 404s in apps.
  base: './',
  plugins: [vue(), publishedWorker(), entrySourcemaps(), cleanStylesheet()],
  resolve: {
    alias: [
      { find: /^vue-chunked-upload$/, replacement: src('index.ts') },
      { find: SUBPATH_ALIAS, replacement: src('entries/$1.ts') },
    ],
  },
  // ES module workers (they are started with { type: 'module' }) can split: the optional
  // hash-wasm MD5 stays a chunk of its own, fetched only when `md5: 'wasm'` is chosen.
  worker: { format: 'es' },
  build: {
    lib: { entry: entries, formats: ['es'], cssFileName: 'style' },
    rolldownOptions: {
      external: [/^vue$/, /^pinia$/, /^@vueuse\//, /^idb-keyval/, /^axios/, /^spark-md5/],
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: '[name]-[hash].js',
        comments: { legal: true, annotation: true },
      },
    },
    sourcemap: true,
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'happy-dom',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup.unit.ts'],
          // A cold first case (ESLint, a server render) can take seconds on a loaded machine;
          // unit tests assert behaviour, never time.
          testTimeout: 30_000,
        },
      },
      node(
        'integration',
        ['test/integration/**/*.test.ts', 'server/test/**/*.test.ts'],
        120_000,
        S3_SETUP,
      ),
      // Node-side tests that drive Debian's Chromium, Firefox ESR and WebKitGTK (test/browser/engines.ts).
      node('browser', ['test/browser/**/*.test.ts'], 300_000, S3_SETUP),
      // The packed tarball as apps install it: attw, publint, type tests, fixture apps.
      {
        extends: true,
        test: {
          name: 'package',
          environment: 'node',
          include: ['test/package/**/*.test.ts'],
          globalSetup: ['test/package/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          // The fixture apps build with all cores; one file at a time keeps the machine usable.
          fileParallelism: false,
        },
      },
      // Every story, its play function and an axe check, in the real Chromium.
      {
        extends: true,
        plugins: [
          storybookTest({ configDir: fileURLToPath(new URL('./.storybook', import.meta.url)) }),
        ],
        test: { name: 'storybook', browser: chromium() },
      },
    ],
  },
})
