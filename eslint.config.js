// @ts-check
import { readdirSync } from 'node:fs'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'
import prettierConfig from 'eslint-config-prettier/flat'

// ---------------------------------------------------------------------------------------
// Import direction (STYLE.md "Layout"): arrows point inward, toward src/core.
// Paths: import-x/no-restricted-paths resolves every import to a file and checks the zones
// below, so the depth of `../` and a folder's name inside a layer don't matter.
// Packages (and `..`, a parent folder's index): one no-restricted-imports setting per layer.
// ---------------------------------------------------------------------------------------

/** Each layer under src/: the src/ folders it may import besides itself, and its packages. */
const LAYERS = {
  core: { imports: [], packages: [] },
  protocols: { imports: ['core'], packages: [] }, // and never another protocol
  transport: { imports: ['core'], packages: ['axios'] },
  hashing: { imports: ['core'], packages: ['spark-md5', 'hash-wasm'] },
  persistence: { imports: ['core'], packages: ['idb-keyval'] },
  tabs: { imports: ['core'], packages: [] },
  locales: { imports: ['core'], packages: [] }, // types only
  vue: { imports: ['core', 'locales'], packages: ['vue', 'pinia', '@vueuse/[^/]+'] },
  components: { imports: ['vue', 'locales'], packages: ['vue', '@vueuse/[^/]+'] },
}
/** The adapters src/vue/defaults.ts (and no other file of src/vue) wires in. */
const VUE_DEFAULTS = ['transport', 'hashing', 'persistence', 'tabs', 'protocols']
/** What other layers may import of src/core (src/core/README.md maps the rest). */
const CORE_API = ['index.ts', 'errors.ts', 'types.ts', 'status/status-machine.ts']
const PROTOCOLS = readdirSync(new URL('./src/protocols/', import.meta.url), {
  withFileTypes: true,
}).filter((e) => e.isDirectory())
const NOT_LIBRARY = ['server', 'test', 'stories', 'playground', 'bench', 'docs']
const others = Object.keys(LAYERS).filter((layer) => layer !== 'core')
const dot = (/** @type {string[]} */ names) => names.map((name) => `./${name}`)

const zones = [
  ...Object.entries(LAYERS).map(([layer, { imports }]) => ({
    target: layer === 'vue' ? 'src/vue/**/!(defaults.ts)' : `src/${layer}`,
    from: 'src',
    except: dot([layer, ...imports]),
    message: `src/${layer} may import only ${['itself', ...imports].join(', ')} of src/.`,
  })),
  {
    target: 'src/vue/defaults.ts',
    from: 'src',
    except: dot(['vue', ...LAYERS.vue.imports, ...VUE_DEFAULTS]),
    message: 'defaults.ts wires the default adapters; it still never reaches components.',
  },
  {
    target: others.map((layer) => `src/${layer}`),
    from: 'src/core',
    except: dot(CORE_API),
    message:
      "Import src/core through `core`, `core/errors`, `core/types` or `core/status/status-machine`, not the engine's inside.",
  },
  {
    target: 'src/components',
    from: 'src/vue',
    except: ['./index.ts'],
    message: "Import src/vue's public API (`../vue`); export what you need from src/vue/index.ts.",
  },
  ...PROTOCOLS.map(({ name }) => ({
    target: `src/protocols/${name}`,
    from: 'src/protocols',
    except: [`./${name}`],
    message: 'A protocol never imports another protocol.',
  })),
  { target: 'src', from: NOT_LIBRARY, message: 'Library code stays inside src/.' },
  {
    target: 'server',
    from: ['src', 'stories', 'playground', 'test'],
    message: 'server/ never imports src/; the wire format is specified in docs/http-protocol.md.',
  },
  {
    target: ['playground', 'stories'],
    from: 'src',
    message:
      "Use the package as a user would: 'vue-chunked-upload' or 'vue-chunked-upload/<entry>'.",
  },
]

/** Bare specifiers (packages, `node:` builtins) other than `allowed` and their subpaths. */
const onlyPackages = (/** @type {string} */ layer, /** @type {string[]} */ allowed) => ({
  regex: String.raw`^(?![./])` + (allowed.length ? `(?!(?:${allowed.join('|')})(?:/|$))` : ''),
  message: `src/${layer} may import only these packages: ${allowed.join(', ') || 'none'}.`,
})
const PARENT_INDEX = {
  regex: String.raw`^(?:\./)?\.\.(?:/\.\.)*/?$`,
  message: "Import a named file, not a parent folder's index.",
}
const EXTRA = {
  locales: {
    patterns: [
      {
        regex: String.raw`^(?:\./)?(?:\.\./)+core(?:/|$)`,
        allowTypeImports: true,
        message: 'src/locales may take types from src/core (`import type`), never values.',
      },
    ],
  },
  vue: {
    paths: [
      {
        name: 'vue',
        importNames: ['onMounted', 'onUnmounted', 'onBeforeUnmount'],
        message: 'src/vue cleans up with tryOnScopeDispose, so it also works outside components.',
      },
    ],
  },
}

/** Globals src/core must not touch: it reaches its environment only through ports. */
const HOST_GLOBALS =
  'window self document navigator location localStorage sessionStorage indexedDB Worker XMLHttpRequest fetch process Buffer'

const architecture = [
  {
    name: 'architecture/zones',
    files: ['src/**', 'server/**', 'playground/**', 'stories/**'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.vue'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones }],
    },
  },
  ...Object.entries(LAYERS).map(([layer, { packages }]) => ({
    name: `architecture/${layer}`,
    files: [`src/${layer}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: EXTRA[layer]?.paths ?? [],
          patterns: [
            onlyPackages(layer, packages),
            PARENT_INDEX,
            ...(EXTRA[layer]?.patterns ?? []),
          ],
        },
      ],
    },
  })),
  {
    name: 'architecture/core-globals',
    files: ['src/core/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...HOST_GLOBALS.split(' ').map((name) => ({
          name,
          message: `${name}: src/core does not know its environment; take it through a port or from src/vue/defaults.ts.`,
        })),
      ],
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
