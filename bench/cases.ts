/**
 * Every upload the bench compares, as data: this library on each protocol (hashing off and
 * on), the peers on the same servers, and the browser's limit. One runner (runner.ts) runs
 * them all the same way.
 */
import type { Page } from 'playwright-core'
import type { BenchApi, Protocol } from './page/main'
import type { Measured } from './page/instrument'
import type { Target } from './servers'

const MiB = 1024 * 1024

/**
 * Which bar of the chart a case belongs to; `limit` is a browser limit: the single PUT, and
 * the raw hashing rate (md5-wasm).
 */
export type Family = 'http' | 'tus' | 's3' | 'limit'

export interface CaseDef {
  readonly id: string
  readonly label: string
  readonly family: Family
  /** This library (true) or a peer / the browser's limit. */
  readonly ours: boolean
  run(page: Page, target: Target): Promise<Measured & { key?: string }>
}

/** Calls `window.bench.<method>` in the page with JSON arguments. */
export function callBench<K extends keyof BenchApi>(
  page: Page,
  method: K,
  ...args: Parameters<BenchApi[K]>
): Promise<Awaited<ReturnType<BenchApi[K]>>> {
  return page.evaluate(
    ([name, params]) => {
      const api = (window as unknown as { bench: Record<string, (...a: unknown[]) => unknown> })
        .bench
      return api[name](...params)
    },
    [method, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<BenchApi[K]>>>
}

/**
 * Options every library case gets on top of `hashing` (e.g. a faster hasher once the
 * library has one); JSON only.
 */
export const libraryOptions: Record<string, unknown> = JSON.parse(
  process.env.BENCH_LIBRARY_OPTIONS ?? '{}',
)

/**
 * This library with its defaults (WebAssembly MD5 in the Worker); `spark` picks spark-md5,
 * the fallback where a CSP refuses WebAssembly (`md5: 'spark'`).
 */
function library(protocol: Protocol, hashing: boolean, spark = false): CaseDef {
  const names = { http: 'HTTP chunks', tus: 'tus', s3: 'S3 multipart' }
  return {
    id: `${protocol}-${spark ? 'spark' : hashing ? 'on' : 'off'}`,
    label: `vue-chunked-upload ${names[protocol]}, hashing ${spark ? 'on (spark-md5)' : hashing ? 'on' : 'off'}`,
    family: protocol,
    ours: true,
    run: (page, target) =>
      callBench(page, 'library', protocol, target[protocol], {
        ...libraryOptions,
        hashing,
        ...(spark ? { md5: 'spark' } : {}),
      }),
  }
}

export const CASES: readonly CaseDef[] = [
  library('http', false),
  library('http', true),
  library('tus', false),
  library('tus', true),
  library('s3', false),
  library('s3', true),
  library('http', true, true),
  library('s3', true, true),
  // The adaptive part sizing and lanes (on by default) against fixed sizes, on the parts path.
  {
    ...library('s3', false),
    id: 's3-fixed',
    label: 'vue-chunked-upload S3 multipart, hashing off, adaptive off',
    run: (page, target) =>
      callBench(page, 'library', 's3', target.s3, {
        ...libraryOptions,
        hashing: false,
        adaptive: false,
      }),
  },
  {
    id: 'tusjs',
    label: 'tus-js-client 4, defaults',
    family: 'tus',
    ours: false,
    run: (page, target) => callBench(page, 'tusJsClient', target.tus),
  },
  {
    id: 'tusjs-8m',
    label: 'tus-js-client 4, 8 MiB chunks',
    family: 'tus',
    ours: false,
    run: (page, target) => callBench(page, 'tusJsClient', target.tus, 8 * MiB),
  },
  {
    id: 'uppy5',
    label: '@uppy/aws-s3 5.1',
    family: 's3',
    ours: false,
    run: (page, target) => callBench(page, 'uppy5', target.s3),
  },
  {
    id: 'uppy6',
    label: '@uppy/aws-s3 6.3',
    family: 's3',
    ours: false,
    run: (page, target) => callBench(page, 'uppy6', target.presign),
  },
  {
    id: 'md5-wasm',
    label: 'hash-wasm MD5 of the File in a Worker, no upload (hashing limit)',
    family: 'limit',
    ours: false,
    run: (page) => callBench(page, 'md5Wasm'),
  },
  {
    id: 'md5-put',
    label: 'hash-wasm MD5 in a Worker and one XHR PUT of the File, at once (hashing-on limit)',
    family: 'limit',
    ours: false,
    run: (page, target) => callBench(page, 'md5AndPut', target.sink),
  },
  {
    id: 'xhr-put',
    label: 'one XHR PUT of the File (browser limit)',
    family: 'limit',
    ours: false,
    run: (page, target) => callBench(page, 'xhrPut', target.sink),
  },
]

export function caseById(id: string): CaseDef {
  const found = CASES.find((c) => c.id === id)
  if (!found) throw new Error(`unknown case ${id}; known: ${CASES.map((c) => c.id).join(', ')}`)
  return found
}
