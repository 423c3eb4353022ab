import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { playwright } from '@vitest/browser-playwright'
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin'
import { fileURLToPath } from 'node:url'

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
  vue: src('entries/vue.ts'),
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
  plugins: [vue()],
  resolve: {
    alias: [{ find: /^vue-chunked-upload$/, replacement: src('index.ts') }],
  },
  // ES module workers (they are started with { type: 'module' }) can split: the optional
  // hash-wasm MD5 stays a chunk of its own, fetched only when `md5: 'wasm'` is chosen.
  worker: { format: 'es' },
  build: {
    lib: { entry: entries, formats: ['es'], cssFileName: 'style' },
    rolldownOptions: {
      external: [/^vue$/, /^pinia$/, /^@vueuse\//, /^idb-keyval/, /^axios/, /^spark-md5/],
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
      node('integration', ['test/integration/**/*.test.ts'], 120_000, S3_SETUP),
      // Node-side tests that drive Debian's Chromium, Firefox ESR and WebKitGTK (test/browser/engines.ts).
      node('browser', ['test/browser/**/*.test.ts'], 300_000, S3_SETUP),
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
