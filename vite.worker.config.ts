/**
 * Builds the published hashing worker, dist/md5.worker.js (`npm run build` runs it after
 * vite.config.ts): one self-contained ES module, spark-md5 and hash-wasm included, so the
 * `new Worker(new URL('./md5.worker.js', import.meta.url), { type: 'module' })` in the
 * library works in every bundler and from a CDN.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

const MD5_ONLY = '\0hash-wasm-md5'

/**
 * hash-wasm reached through a module that exports createMD5 alone: its dynamic import is
 * inlined here as a namespace object, which would otherwise keep every algorithm (280 kB).
 */
function md5Only(): Plugin {
  return {
    name: 'vcu-hash-wasm-md5-only',
    enforce: 'pre',
    resolveId: (id, importer) =>
      id === 'hash-wasm' && importer !== MD5_ONLY ? MD5_ONLY : undefined,
    load: (id) => (id === MD5_ONLY ? "export { createMD5 } from 'hash-wasm'" : undefined),
  }
}

export default defineConfig({
  plugins: [md5Only()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    minify: false,
    lib: {
      entry: fileURLToPath(new URL('./src/hashing/md5.worker.bundle.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'md5.worker.js',
    },
    rolldownOptions: {
      // One file: a worker chunk that imports others would need its bundler to split workers.
      output: { codeSplitting: false, comments: { legal: true } },
    },
  },
})
