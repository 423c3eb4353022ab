/**
 * Bundle sizes: what an app ships for this library's entries and for the peers, each bundled
 * for the browser by Vite (Rolldown), minified, and gzipped. Ours twice: our code alone (its
 * dependencies external, as in dist/) and with its dependencies (all but vue and pinia,
 * which a Vue app already has). Peers always with their dependencies. JS only: CSS and the
 * hashing Worker (loaded on first use) are counted apart.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import vue from '@vitejs/plugin-vue'
import { build, type Rolldown } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))
const src = (path: string) => join(root, 'src', path)
const uppy6 = (name: string) =>
  join(root, 'bench/peers/uppy6/node_modules/@uppy', name, 'lib/index.js')

export interface BundleSize {
  readonly id: string
  readonly label: string
  readonly ours: boolean
  /** Gzipped JS an app loads up front, in bytes. */
  readonly gzip: number
  /** The same, minified but not gzipped. */
  readonly minified: number
  /** Our size with dependencies bundled too (vue and pinia excluded). */
  readonly gzipWithDeps?: number
  /** Gzipped hashing Worker, loaded only when a file is hashed. */
  readonly workerGzip?: number
}

interface Subject {
  readonly id: string
  readonly label: string
  readonly ours: boolean
  readonly source: string
}

const entry = (name: string) => `export * from ${JSON.stringify(src(name))}`
const pick = (...parts: [names: string, file: string][]) =>
  parts.map(([names, file]) => `export { ${names} } from ${JSON.stringify(src(file))}`).join('\n')

export const SUBJECTS: readonly Subject[] = [
  { id: 'index', label: 'vue-chunked-upload (everything)', ours: true, source: entry('index.ts') },
  ...['core', 'http', 'tus', 's3', 'hashing', 'transport', 'persistence', 'vue'].map((name) => ({
    id: name,
    label: `vue-chunked-upload/${name}`,
    ours: true,
    source: entry(`entries/${name}.ts`),
  })),
  ...(['http', 'tus', 's3'] as const).map((p) => ({
    id: `composable+${p}`,
    label: `useChunkedUpload + ${p} (core + vue + one protocol)`,
    ours: true,
    source: pick(
      ['useChunkedUpload', 'entries/vue.ts'],
      [`create${{ http: 'Http', tus: 'Tus', s3: 'S3' }[p]}Protocol`, `entries/${p}.ts`],
    ),
  })),
  {
    id: 'plugin+s3',
    label: 'UploadPlugin (3 components) + s3',
    ours: true,
    source: pick(['UploadPlugin', 'entries/vue.ts'], ['createS3Protocol', 'entries/s3.ts']),
  },
  {
    id: 'tus-js-client',
    label: 'tus-js-client 4',
    ours: false,
    source: `export * from 'tus-js-client'`,
  },
  {
    id: 'uppy5',
    label: '@uppy/core + @uppy/aws-s3 5',
    ours: false,
    source: `export { default as Uppy } from '@uppy/core'\nexport { default as AwsS3 } from '@uppy/aws-s3'`,
  },
  {
    id: 'uppy6',
    label: '@uppy/core + @uppy/aws-s3 6',
    ours: false,
    source: `export { default as Uppy } from '@uppy6/core'\nexport { default as AwsS3 } from '@uppy6/aws-s3'`,
  },
]

/** Our dependencies, external when measuring our own code (as in vite.config.ts). */
const DEPS = [/^@vueuse\//, /^idb-keyval/, /^axios/, /^spark-md5/, /^hash-wasm/]
const PEERS = [/^vue$/, /^pinia$/]

async function bundle(
  dir: string,
  subject: Subject,
  external: RegExp[],
): Promise<{ js: number; minified: number; worker: number }> {
  const file = join(dir, `${subject.id.replace(/[^a-z0-9]/gi, '_')}.js`)
  writeFileSync(file, `${subject.source}\n`)
  const result = (await build({
    configFile: false,
    root: dir,
    logLevel: 'silent',
    plugins: [vue()],
    define: { 'process.env.NODE_ENV': '"production"' },
    resolve: {
      alias: [
        { find: /^@uppy6\/core$/, replacement: uppy6('core') },
        { find: /^@uppy6\/aws-s3$/, replacement: uppy6('aws-s3') },
      ],
    },
    build: {
      write: false,
      minify: true,
      modulePreload: false,
      reportCompressedSize: false,
      rolldownOptions: { input: file, external, preserveEntrySignatures: 'exports-only' },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[]
  let js = 0
  let minified = 0
  let worker = 0
  for (const output of [result].flat())
    for (const item of output.output) {
      if (item.type === 'chunk') {
        js += gzipSync(item.code, { level: 9 }).byteLength
        minified += Buffer.byteLength(item.code)
      } else if (/worker/i.test(item.fileName) && /\.js$/.test(item.fileName)) {
        worker += gzipSync(item.source, { level: 9 }).byteLength
      }
    }
  return { js, minified, worker }
}

export async function measureBundles(
  log: (line: string) => void = () => {},
): Promise<BundleSize[]> {
  const dir = join(root, 'node_modules/.cache/vcu-bench-bundles')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const sizes: BundleSize[] = []
  try {
    for (const subject of SUBJECTS) {
      const own = await bundle(dir, subject, subject.ours ? [...PEERS, ...DEPS] : [])
      const withDeps = subject.ours ? await bundle(dir, subject, PEERS) : undefined
      const size: BundleSize = {
        id: subject.id,
        label: subject.label,
        ours: subject.ours,
        gzip: own.js,
        minified: own.minified,
        ...(withDeps ? { gzipWithDeps: withDeps.js } : {}),
        ...(own.worker ? { workerGzip: own.worker } : {}),
      }
      log(
        `  ${subject.label.padEnd(52)} ${(size.gzip / 1000).toFixed(1).padStart(6)} kB gzip` +
          (withDeps ? `, ${(withDeps.js / 1000).toFixed(1)} kB with dependencies` : ''),
      )
      sizes.push(size)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return sizes
}
