// @ts-check
import { existsSync, readdirSync } from 'node:fs'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import prettierConfig from 'eslint-config-prettier/flat'

// ---------------------------------------------------------------------------------------
// Import direction (STYLE.md "Layout"): arrows point inward, toward src/core.
//
// Each folder gets exactly one `no-restricted-imports` setting, because a later flat-config
// object replaces a rule's options instead of merging them. So every folder's setting is
// built whole by `layerRule()` below, and the more specific globs (one protocol,
// src/vue/defaults.ts) come after the general ones.
//
// Relative paths are matched by the *name* of the folder they reach after one or more
// `../` (`../transport`, `../../core/types`), which works at any nesting depth. The price:
// a subfolder that shares a layer's name (say src/core/vue/) would be misread; don't make
// one.
// ---------------------------------------------------------------------------------------

/** Every top-level folder (or file) under src/. */
const SRC_NAMES = [
  'core',
  'protocols',
  'transport',
  'hashing',
  'persistence',
  'tabs',
  'vue',
  'components',
  'locales',
  'entries',
  'index',
]
/** Top-level repository folders that library code must never reach into. */
const ROOT_NAMES = ['src', 'server', 'test', 'stories', 'playground', 'bench', 'docs']

/** @param {URL} dir */
function subfolders(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
}

/** Known protocols, plus any folder that appears under src/protocols later. */
const PROTOCOLS = [
  ...new Set(['http', 's3', 'tus', ...subfolders(new URL('./src/protocols/', import.meta.url))]),
]

const escape = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const anyOf = (/** @type {string[]} */ names) => names.map(escape).join('|')

/** A relative specifier that climbs (`../`, `../../`, `./../`) and then enters `names`. */
const climbInto = (/** @type {string[]} */ names) =>
  String.raw`^(?:\./)?(?:\.\./)+(?:${anyOf(names)})(?:[/.]|$)`

/** `..`, `../..`: a parent folder's index, which is never inside the importing layer. */
const PARENT_INDEX = String.raw`^(?:\./)?\.\.(?:/\.\.)*/?$`

/**
 * Core's files other layers may import: its entry (`core`, `core/index`), the two files
 * every layer shares (`errors`, `types`) and the status machine's predicates the bindings
 * ask. Core's folders (uploader, run, scheduling, resume, status, pauses) are the engine's
 * inside; src/core/README.md maps them.
 */
const CORE_INTERNALS = String.raw`^(?:\./)?(?:\.\./)+core/(?!(?:index|errors|types|status/status-machine)(?:\.ts)?$)`

/** Bare specifiers (packages, `node:` builtins) other than `allowed` and their subpaths. */
const bareExcept = (/** @type {string[]} */ allowed) =>
  allowed.length === 0
    ? String.raw`^[^./]`
    : String.raw`^(?![./])(?!(?:${allowed.join('|')})(?:/|$))`

const PKG = {
  vue: 'vue',
  pinia: 'pinia',
  vueuse: String.raw`@vueuse/[^/]+`,
  axios: 'axios',
  sparkMd5: 'spark-md5',
  hashWasm: 'hash-wasm',
  idbKeyval: 'idb-keyval',
}

/**
 * @typedef {object} Layer
 * @property {string} name            shown in messages, e.g. 'src/transport'
 * @property {string[]} packages      bare packages allowed (regex source, see PKG)
 * @property {string[]} forbidden     folder names it must not climb into
 * @property {string} why             the STYLE.md rule, for the message
 * @property {Array<Record<string, unknown>>} [extraPatterns]
 * @property {Array<Record<string, unknown>>} [paths]
 */

/** @param {Layer} layer */
function layerRule(layer) {
  const patterns = [
    {
      regex: bareExcept(layer.packages),
      message: `${layer.name} may import only these packages: ${
        layer.packages.length ? layer.packages.join(', ') : 'none'
      }. ${layer.why}`,
    },
    {
      regex: climbInto(layer.forbidden),
      message: `${layer.name} must not import from ${layer.forbidden.join(', ')}. ${layer.why}`,
    },
    {
      regex: PARENT_INDEX,
      message: `${layer.name}: import a named file, not a parent folder's index. ${layer.why}`,
    },
    ...(layer.name === 'src/core'
      ? []
      : [
          {
            regex: CORE_INTERNALS,
            message: `${layer.name}: import src/core through its entry (\`core\`), \`core/errors\`, \`core/types\` or \`core/status/status-machine\`, not the engine's inside. ${layer.why}`,
          },
        ]),
    ...(layer.extraPatterns ?? []),
  ]
  return ['error', { paths: layer.paths ?? [], patterns }]
}

const except = (/** @type {string[]} */ keep, /** @type {string[]} */ names = SRC_NAMES) => [
  ...names.filter((name) => !keep.includes(name)),
  ...ROOT_NAMES,
]

const ADAPTERS = ['transport', 'hashing', 'persistence', 'tabs', 'protocols']

const VUE_LIFECYCLE = {
  name: 'vue',
  importNames: ['onMounted', 'onUnmounted', 'onBeforeUnmount'],
  message:
    'Composables in src/vue clean up with tryOnScopeDispose from @vueuse/core, so they also work outside components.',
}

/** @param {boolean} withAdapters src/vue/defaults.ts is the one file that wires adapters in. */
const vueLayer = (withAdapters) =>
  layerRule({
    name: withAdapters ? 'src/vue/defaults.ts' : 'src/vue',
    packages: [PKG.vue, PKG.pinia, PKG.vueuse],
    forbidden: except(['core', 'locales', 'vue', ...(withAdapters ? ADAPTERS : [])]),
    why: withAdapters
      ? 'defaults.ts wires the default adapters; it still never reaches components.'
      : 'Default adapters (transport, hashing, persistence, tabs, protocols) are wired only in src/vue/defaults.ts.',
    paths: [VUE_LIFECYCLE],
  })

const restrictedGlobals = (/** @type {string} */ why, /** @type {string[]} */ names) => [
  'error',
  ...names.map((name) => ({ name, message: `${name}: ${why}` })),
]

const architecture = [
  {
    name: 'architecture/core',
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': layerRule({
        name: 'src/core',
        packages: [],
        forbidden: except(['core']),
        why: 'Core is the engine: it imports only from src/core and reaches the world through its ports.',
      }),
      'no-restricted-globals': restrictedGlobals(
        'src/core does not know its environment; take it through a port (transport, store, clock) or from src/vue/defaults.ts.',
        [
          'window',
          'self',
          'document',
          'navigator',
          'location',
          'localStorage',
          'sessionStorage',
          'indexedDB',
          'Worker',
          'XMLHttpRequest',
          'fetch',
          'process',
          'Buffer',
        ],
      ),
    },
  },
  // Files directly in src/protocols (none yet): core only, no protocol folder.
  {
    name: 'architecture/protocols',
    files: ['src/protocols/**'],
    rules: {
      'no-restricted-imports': layerRule({
        name: 'src/protocols',
        packages: [],
        forbidden: [...except(['core']), ...PROTOCOLS],
        why: 'A protocol imports src/core only and talks HTTP through the Transport port.',
      }),
    },
  },
  ...PROTOCOLS.map((protocol) => ({
    name: `architecture/protocols/${protocol}`,
    files: [`src/protocols/${protocol}/**`],
    rules: {
      'no-restricted-imports': layerRule({
        name: `src/protocols/${protocol}`,
        packages: [],
        forbidden: [...except(['core']), ...PROTOCOLS.filter((p) => p !== protocol)],
        why: 'A protocol imports src/core only (never another protocol) and talks HTTP through the Transport port.',
      }),
    },
  })),
  ...[
    ['transport', [PKG.axios]],
    ['hashing', [PKG.sparkMd5, PKG.hashWasm]],
    ['persistence', [PKG.idbKeyval]],
    ['tabs', []],
  ].map(([adapter, packages]) => ({
    name: `architecture/${adapter}`,
    files: [`src/${adapter}/**`],
    rules: {
      'no-restricted-imports': layerRule({
        name: `src/${adapter}`,
        packages: /** @type {string[]} */ (packages),
        forbidden: except(['core', /** @type {string} */ (adapter)]),
        why: 'An adapter implements one core port with one library; adapters never import each other, protocols or vue.',
      }),
    },
  })),
  {
    name: 'architecture/locales',
    files: ['src/locales/**'],
    rules: {
      'no-restricted-imports': layerRule({
        name: 'src/locales',
        packages: [],
        forbidden: except(['core', 'locales']),
        why: 'Locales are data; they may use core types only.',
        extraPatterns: [
          {
            regex: climbInto(['core']),
            allowTypeImports: true,
            message: 'src/locales may take types from src/core (`import type`), never values.',
          },
        ],
      }),
    },
  },
  {
    name: 'architecture/vue',
    files: ['src/vue/**'],
    rules: { 'no-restricted-imports': vueLayer(false) },
  },
  {
    name: 'architecture/vue/defaults',
    files: ['src/vue/defaults.ts'],
    rules: { 'no-restricted-imports': vueLayer(true) },
  },
  {
    name: 'architecture/components',
    files: ['src/components/**'],
    rules: {
      'no-restricted-imports': layerRule({
        name: 'src/components',
        packages: [PKG.vue, PKG.vueuse],
        forbidden: except(['components', 'vue', 'locales']),
        why: "Components use src/vue's public API (its index), src/locales, vue and @vueuse only.",
        extraPatterns: [
          {
            regex: String.raw`^(?:\./)?(?:\.\./)+vue/(?!index(?:\.ts)?$)`,
            message:
              "src/components import src/vue's public API (`../vue`), not its files; export what you need from src/vue/index.ts.",
          },
        ],
      }),
    },
  },
  {
    name: 'architecture/server',
    files: ['server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^(?:vue|pinia|@vue|@vueuse|vue-chunked-upload)(?:/|$)`,
              message: 'server/ is plain Node: nothing from Vue or the library.',
            },
            {
              regex: climbInto(['src', 'stories', 'playground', 'test']),
              message:
                'server/ never imports src/ (or stories, playground, test); the wire format is specified in docs/http-protocol.md.',
            },
          ],
        },
      ],
    },
  },
  {
    name: 'architecture/consumers',
    files: ['playground/**', 'stories/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: climbInto(['src']),
              message:
                "Use the package as a user would: import from 'vue-chunked-upload' or 'vue-chunked-upload/<entry>', never src/ paths.",
            },
          ],
        },
      ],
    },
  },
]

export default defineConfig(
  globalIgnores([
    'dist/',
    'server/dist/',
    'dist-playground/',
    'storybook-static/',
    'coverage/',
    'test-results/',
    'playwright-report/',
    '.data/',
    'bench/results/',
    'bench/.pack/',
    // The package tests' output: the packed tarball and what the fixture apps build.
    'test/package/.pack/',
    'test/types/node_modules/',
    'test/consumers/*/dist/',
    'test/consumers/*/.nuxt/',
    'test/consumers/*/.output/',
    'test/consumers/vite-app/docs-blocks/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] },
    },
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  architecture,
  prettierConfig, // last: turns off the stylistic rules prettier owns
)
