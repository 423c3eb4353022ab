/**
 * The first-byte suite of `npm run bench first-byte`: one big disk-backed file (default
 * 4 GiB) uploaded by this library in headless Chromium, hashing on, on each protocol
 * (HTTP stream, tus, S3 multipart), measuring what must not grow with the file: the time
 * from `add()` to the first request carrying file bytes, the longest main-thread task
 * over the whole upload, and the peak JS heap.
 * Env: BENCH_SIZE_MIB (default 4096), BENCH_RUNS (default 1), BENCH_PROTOCOLS (default
 * "http,tus,s3"), BENCH_MD5 ('spark' or 'wasm', default spark).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startReferenceServer } from '../server'
import { createS3Client, createS3SigningHandler } from '../server/s3'
import { startLocalS3 } from '../server/s3-local'
import { createTusEndpoint } from '../server/tus'
import {
  callPage,
  launchChromium,
  openWithFile,
  randomFile,
  sampleHeap,
  startPageServer,
} from '../test/browser/harness'
import { printReport, row, summarize, writeResults, type Summary } from './stats'

const MiB = 1024 * 1024
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 4096)
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 1))
const protocols = (process.env.BENCH_PROTOCOLS ?? 'http,tus,s3').split(',') as (
  'http' | 'tus' | 's3'
)[]
const md5 = process.env.BENCH_MD5 === 'wasm' ? 'wasm' : 'spark'

/** A fresh server of the protocol's kind for one upload; returns its endpoint and closer. */
export async function serverFor(protocol: 'http' | 'tus' | 's3') {
  const root = mkdtempSync(join(tmpdir(), 'vcu-bench-fb-'))
  const cleanups: (() => Promise<unknown> | void)[] = [
    () => rmSync(root, { recursive: true, force: true }),
  ]
  let endpoint: string
  if (protocol === 's3') {
    const s3 = await startLocalS3()
    cleanups.unshift(() => s3.close())
    const client = createS3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
    })
    const handler = createS3SigningHandler({ client, bucket: s3.bucket })
    const server = await startReferenceServer({ root, routes: [{ basePath: '/s3', handler }] })
    cleanups.unshift(() => server.close())
    endpoint = `${server.url}/s3`
  } else if (protocol === 'tus') {
    const tus = createTusEndpoint({ root: join(root, 'tus') })
    const server = await startReferenceServer({ root: join(root, 'http'), routes: [tus] })
    cleanups.unshift(() => server.close())
    endpoint = `${server.url}${tus.basePath}`
  } else {
    const server = await startReferenceServer({ root })
    cleanups.unshift(() => server.close())
    endpoint = server.httpUrl
  }
  return {
    endpoint,
    async close() {
      for (const cleanup of cleanups) await cleanup()
    },
  }
}

/** Runs the suite and writes its results; throws on any failed upload. */
export async function runFirstByteBench(): Promise<void> {
  console.log(
    `bench: ${sizeMiB} MiB disk-backed file, ${runs} run(s) per protocol (${protocols.join(', ')}), hashing on (${md5}), Chromium headless`,
  )
  const source = await randomFile(sizeMiB * MiB)
  const [chromium, pages] = await Promise.all([launchChromium(), startPageServer()])
  const results: Record<
    string,
    { ttfb: number[]; longest: number[]; heap: number[]; mibps: number[]; requests: number[] }
  > = {}
  try {
    for (let i = 0; i < runs; i++) {
      for (const protocol of protocols) {
        const server = await serverFor(protocol)
        const page = await chromium.newPage()
        try {
          await openWithFile(page, pages.url, source.path)
          const stopHeap = await sampleHeap(page, 100)
          const run = await callPage(page, 'upload', {
            endpoint: server.endpoint,
            protocol,
            hashing: true,
            md5,
          })
          const peak = await stopHeap()
          if (run.error || run.result?.size !== sizeMiB * MiB)
            throw new Error(`${protocol}: upload failed: ${JSON.stringify(run.error)}`)
          const r = (results[protocol] ??= {
            ttfb: [],
            longest: [],
            heap: [],
            mibps: [],
            requests: [],
          })
          r.ttfb.push(run.firstByteMs)
          r.longest.push(run.longestTaskMs)
          r.heap.push(peak / MiB)
          r.mibps.push(sizeMiB / (run.ms / 1000))
          r.requests.push(run.requests)
          console.log(
            `  ${protocol}: first byte ${run.firstByteMs.toFixed(0)} ms, longest task ${run.longestTaskMs.toFixed(0)} ms, ${(sizeMiB / (run.ms / 1000)).toFixed(0)} MiB/s`,
          )
        } finally {
          await page.close()
          await server.close()
        }
      }
    }
  } finally {
    await Promise.allSettled([chromium.close(), pages.close()])
  }
  const summaries: Record<string, Summary> = {}
  const rows: string[] = []
  for (const [protocol, r] of Object.entries(results)) {
    summaries[`${protocol} ttfb`] = summarize(r.ttfb)
    summaries[`${protocol} longest`] = summarize(r.longest)
    summaries[`${protocol} heap`] = summarize(r.heap)
    summaries[`${protocol} mibps`] = summarize(r.mibps)
    summaries[`${protocol} requests`] = summarize(r.requests)
    rows.push(
      row(`${protocol}: time to first byte (target ≤ 300)`, summaries[`${protocol} ttfb`], 'ms'),
      row(`${protocol}: longest main-thread task (≤ 50)`, summaries[`${protocol} longest`], 'ms'),
      row(`${protocol}: peak JS heap`, summaries[`${protocol} heap`], 'MiB', 1),
      row(`${protocol}: throughput`, summaries[`${protocol} mibps`], 'MiB/s'),
      row(`${protocol}: requests`, summaries[`${protocol} requests`], ''),
    )
  }
  printReport('case', rows, {})
  writeResults('first-byte', { sizeMiB, runs, md5 }, summaries, {})
}
