// @ts-check
import { readdirSync } from 'node:fs'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'
import prettierConfig from 'eslint-config-prettier/flat'

// Import direction (STYLE.md "Layout"): arrows point inward, toward src/core. Each import is
// resolved to a file (a package to node_modules/<name>) and checked against the zones below.
/** Each layer of src/ and what it may import besides itself: src/ folders and packages. */
const LAYERS = {
  core: [],
  protocols: ['core'], // and never another protocol
  transport: ['core', 'axios'],
  hashing: ['core', 'spark-md5', 'hash-wasm'],
  persistence: ['core', 'idb-keyval'],
  tabs: ['core'],
  locales: ['core'], // types only
  vue: ['core', 'locales', 'pinia', '@vueuse'],
  components: ['vue', 'locales', '@vueuse'], // `vue` names both src/vue and the package
}
/** src/vue/defaults.ts, the one file that wires the default adapters, may import these too. */
const DEFAULTS = ['transport', 'hashing', 'persistence', 'tabs', 'protocols']
const CORE_API = ['index.ts', 'errors.ts', 'types.ts', 'status/status-machine.ts']
const PROTOCOLS = readdirSync(new URL('./src/protocols', import.meta.url))
const CONSUMERS = ['test', 'stories', 'playground']

const dot = (/** @type {string} */ path) => `./${path}`
const zone = (target, from, except, message) => ({ target, from, except: except.map(dot), message })
const only = (target, may) =>
  zone(target, ['src', 'node_modules'], may, `${target} may import only ${may.join(', ')}.`)
const zones = [
  ...Object.entries(LAYERS).map(([name, may]) =>
    only(name === 'vue' ? 'src/vue/**/!(defaults.ts)' : `src/${name}`, [name, ...may]),
  ),
  only('src/vue/defaults.ts', ['vue', ...LAYERS.vue, ...DEFAULTS]),
  zone('src/!(core|entries)/**', 'src/core', CORE_API, `Import only ${CORE_API.join(', ')}.`),
  zone('src/components', 'src/vue', ['index.ts'], "Import src/vue's public API (`../vue`)."),
  ...PROTOCOLS.map((p) => zone(`src/protocols/${p}`, 'src/protocols', [p], 'One protocol each.')),
  zone('src', ['server', 'bench', 'docs', ...CONSUMERS], [], 'Library code stays inside src/.'),
  zone('server', ['src', ...CONSUMERS], [], 'server/ never imports src/ (docs/http-protocol.md).'),
  zone(['stories', 'playground'], 'src', [], "Import 'vue-chunked-upload' as a user would."),
]
const HOST = `window self document navigator location localStorage sessionStorage indexedDB Worker
  XMLHttpRequest fetch process Buffer`.split(/\s+/)
const HOST_GLOBALS = HOST.map((name) => ({ name, message: `src/core takes ${name} by a port.` }))
const PARENT_INDEX = { regex: String.raw`^(\./)?\.\.(/\.\.)*/?$`, message: 'Name the file.' }
const CORE_VALUES = { regex: String.raw`^(\./)?(\.\./)+core(/|$)`, allowTypeImports: true }
const MOUNT_HOOKS = { name: 'vue', importNames: ['onMounted', 'onUnmounted', 'onBeforeUnmount'] }
const VUE_OR_LIBRARY = { regex: '^(vue|pinia|@vue|@vueuse|vue-chunked-upload)(/|$)' }
const RESOLVER = createNodeResolver({ extensions: ['.ts', '.js', '.vue'] })
const restrict = (files, patterns = [], paths = []) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { paths, patterns: [PARENT_INDEX, ...patterns] }] },
})
const architecture = [
  {
    files: ['src/**', 'server/**', 'playground/**', 'stories/**'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [RESOLVER] },
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones }] },
  },
  { files: ['src/**'], rules: { 'import-x/no-nodejs-modules': 'error' } },
  { files: ['src/core/**'], rules: { 'no-restricted-globals': ['error', ...HOST_GLOBALS] } },
  restrict(['src/**']),
  restrict(['src/locales/**'], [{ ...CORE_VALUES, message: 'Only types from src/core.' }]),
  restrict(['src/vue/**'], [], [{ ...MOUNT_HOOKS, message: 'Use tryOnScopeDispose.' }]),
  restrict(['server/**'], [{ ...VUE_OR_LIBRARY, message: 'server/ is plain Node: no Vue.' }]),
]
/** What builds, test runs and the package tests' fixture apps write. */
const GENERATED = `**/dist/ **/.nuxt/ **/.output/ **/.pack/ dist-playground/ storybook-static/ coverage/
  test-results/ playwright-report/ .data/ bench/results/ test/types/node_modules/
  test/consumers/vite-app/docs-blocks/`
const VUE_TS = { parser: tseslint.parser, extraFileExtensions: ['.vue'] }
const UNUSED = { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }

export default defineConfig(
  globalIgnores(GENERATED.split(/\s+/)),
  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],
  { files: ['**/*.vue'], languageOptions: { parserOptions: VUE_TS } },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: { '@typescript-eslint/no-unused-vars': ['error', UNUSED] },
  },
  architecture,
  prettierConfig, // last: turns off the stylistic rules prettier owns
)
