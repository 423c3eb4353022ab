/**
 * The published `md5.worker.js`: the hashing worker with spark-md5 and hash-wasm's MD5 built
 * in, so it has no imports and any bundler (or a CDN) can serve it as it is. It also exports
 * `createMD5`: the main thread's `md5: 'wasm'` fallback imports this same file, so the package
 * holds one copy of hash-wasm. Built by vite.worker.config.ts; never imported from src.
 */
export { handleMessage } from './md5.worker'
export { createMD5 } from 'hash-wasm'
