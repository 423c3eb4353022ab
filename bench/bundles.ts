/**
 * Bundle sizes for `npm run bench`: our app entries measured by bench/bundle-size.ts (what an
 * app loads at start, gzipped; lazy chunks and the hashing Worker apart), each also with our
 * dependencies bundled (vue and pinia excluded: a Vue app has them), next to the peers'
 * packages bundled whole by the same Vite (Rolldown) build.
 */
import { fileURLToPath } from 'node:url'
import { BUNDLE_CASES, measure, usePackedPackage } from './bundle-size'

const uppy6 = (name: string) =>
  fileURLToPath(new URL(`./peers/uppy6/node_modules/@uppy/${name}/lib/index.js`, import.meta.url))

export interface BundleSize {
  readonly id: string
  readonly label: string
  readonly ours: boolean
  /** Gzipped JS an app loads up front, in bytes (for ours: our code, dependencies external). */
  readonly gzip: number
  /** The same, minified but not gzipped. */
  readonly minified: number
  /** Ours with dependencies bundled too (vue and pinia excluded). */
  readonly gzipWithDeps?: number
  /** Gzipped chunks loaded only on demand (the optional hash-wasm MD5). */
  readonly lazyGzip?: number
  /** Gzipped hashing Worker, loaded when the first file is hashed. */
  readonly workerGzip?: number
  /** Gzipped CSS (the components' theme). */
  readonly cssGzip?: number
}

const PEERS: Record<string, { label: string; code: string }> = {
  'tus-js-client': { label: 'tus-js-client 4', code: `export * from 'tus-js-client'` },
  uppy5: {
    label: '@uppy/core + @uppy/aws-s3 5',
    code: `export { default as Uppy } from '@uppy/core'\nexport { default as AwsS3 } from '@uppy/aws-s3'`,
  },
  uppy6: {
    label: '@uppy/core + @uppy/aws-s3 6',
    code: `export { default as Uppy } from ${JSON.stringify(uppy6('core'))}\nexport { default as AwsS3 } from ${JSON.stringify(uppy6('aws-s3'))}`,
  },
}

/** The cases the "core + vue + one protocol" target is checked on. */
export const isVuePlusProtocol = (id: string) => /^\.\/vue \+ \.\/(http|tus|s3)\b/.test(id)

export async function measureBundles(
  log: (line: string) => void = () => {},
): Promise<BundleSize[]> {
  const sizes: BundleSize[] = []
  // Measured from the packed tarball: the files an app installs, not src/.
  usePackedPackage()
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1).padStart(6)} kB`
  for (const [name, code] of Object.entries(BUNDLE_CASES)) {
    const own = await measure(name, code)
    const withDeps = await measure(name, code, [/^vue$/, /^pinia$/])
    sizes.push({
      id: name,
      label: name,
      ours: true,
      gzip: own.gzip,
      minified: own.raw,
      gzipWithDeps: withDeps.gzip,
      lazyGzip: own.lazyGzip,
      workerGzip: own.workerGzip,
      cssGzip: own.cssGzip,
    })
    log(`  ${name.padEnd(56)} ${kB(own.gzip)}, ${kB(withDeps.gzip)} with dependencies`)
  }
  for (const [id, peer] of Object.entries(PEERS)) {
    const all = await measure(peer.label, peer.code, [])
    sizes.push({ id, label: peer.label, ours: false, gzip: all.gzip, minified: all.raw })
    log(`  ${peer.label.padEnd(56)} ${kB(all.gzip)}`)
  }
  return sizes
}
