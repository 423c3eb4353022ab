/**
 * The HTTP suite of `npm run bench`: side by side in one run, in headless Chromium with a disk-backed file,
 * against the same machine's servers:
 *   (a) this library's HTTP path, hashing off    (b) the same, hashing on
 *   (c) one XHR PUT of the whole File            (d) 4 concurrent 8 MiB slice PUTs, no protocol
 *   (e) raw spark-md5 over the file in a Worker
 * Reports medians with min–max and ratios from the same run; writes bench/results/*.json.
 * Env: BENCH_SIZE_MIB (default 1024), BENCH_RUNS (default 3).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startReferenceServer } from '../server'
import {
  callPage,
  launchChromium,
  openWithFile,
  randomFile,
  sampleHeap,
  startPageServer,
} from '../test/browser/harness'
import { startSink } from './sink-server'
import { printReport, row, summarize, writeResults } from './stats'

const MiB = 1024 * 1024
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024)
const runs = Math.max(3, Number(process.env.BENCH_RUNS ?? 3))
const size = sizeMiB * MiB

interface LibraryRun {
  mibps: number
  seconds: number
  firstByteMs: number
  peakHeapMiB: number
  longestTaskMs: number
  requests: number
  hashMibps?: number
}

/** Runs the HTTP suite and writes its results; throws on any failed upload. */
export async function runHttpBench(): Promise<void> {
  console.log(
    `bench: ${sizeMiB} MiB disk-backed file, ${runs} runs of each case, Chromium headless`,
  )
  const source = await randomFile(size)
  const [chromium, pages] = await Promise.all([launchChromium(), startPageServer()])
  const sink = await startSink(join(tmpdir(), `vcu-sink-${process.pid}.bin`))
  const results = {
    a: [] as LibraryRun[],
    b: [] as LibraryRun[],
    c: [] as number[],
    d: [] as number[],
    e: [] as number[],
  }

  async function library(hashing: boolean): Promise<LibraryRun> {
    // A fresh store each run, so the server never already holds the file (no instant upload).
    const root = mkdtempSync(join(tmpdir(), 'vcu-bench-store-'))
    const server = await startReferenceServer({ root })
    const page = await chromium.newPage()
    try {
      await openWithFile(page, pages.url, source.path)
      const stopHeap = await sampleHeap(page)
      const run = await callPage(page, 'upload', { endpoint: server.httpUrl, hashing })
      const peak = await stopHeap()
      if (run.error || run.result?.size !== size)
        throw new Error(`upload failed: ${JSON.stringify(run.error)}`)
      if (hashing && run.hash !== source.md5) throw new Error('hash mismatch')
      return {
        mibps: sizeMiB / (run.ms / 1000),
        seconds: run.ms / 1000,
        firstByteMs: run.firstByteMs,
        peakHeapMiB: peak / MiB,
        longestTaskMs: run.longestTaskMs,
        requests: run.requests,
        hashMibps: run.hashMs ? sizeMiB / (run.hashMs / 1000) : undefined,
      }
    } finally {
      await page.close()
      await server.close()
      rmSync(root, { recursive: true, force: true })
    }
  }

  async function baseline(
    fn: (page: Awaited<ReturnType<typeof chromium.newPage>>) => Promise<{ ms: number }>,
  ) {
    const page = await chromium.newPage()
    try {
      await openWithFile(page, pages.url, source.path)
      await sink.reset()
      return sizeMiB / ((await fn(page)).ms / 1000)
    } finally {
      await page.close()
    }
  }

  for (let i = 0; i < runs; i++) {
    // Interleaved, so a noisy neighbour hurts every case alike.
    results.a.push(await library(false))
    results.b.push(await library(true))
    results.c.push(await baseline((page) => callPage(page, 'xhrPut', `${sink.url}?offset=0`)))
    results.d.push(await baseline((page) => callPage(page, 'slicePuts', sink.url, 8 * MiB, 4)))
    results.e.push(
      await baseline(async (page) => {
        const hashed = await callPage(page, 'rawHash')
        if (hashed.hex !== source.md5) throw new Error('raw hash mismatch')
        return hashed
      }),
    )
    console.log(`  run ${i + 1}/${runs} done`)
  }
  await Promise.allSettled([chromium.close(), pages.close(), sink.close()])

  const pick = (list: LibraryRun[], key: keyof LibraryRun) =>
    summarize(list.map((r) => Number(r[key] ?? NaN)))
  const s = {
    a: pick(results.a, 'mibps'),
    b: pick(results.b, 'mibps'),
    c: summarize(results.c),
    d: summarize(results.d),
    e: summarize(results.e),
    aSeconds: pick(results.a, 'seconds'),
    bSeconds: pick(results.b, 'seconds'),
    hashRate: pick(results.b, 'hashMibps'),
    firstByteA: pick(results.a, 'firstByteMs'),
    firstByteB: pick(results.b, 'firstByteMs'),
    heap: summarize([...results.a, ...results.b].map((r) => r.peakHeapMiB)),
    longest: summarize([...results.a, ...results.b].map((r) => r.longestTaskMs)),
    requestsA: pick(results.a, 'requests'),
  }
  const eSeconds = sizeMiB / s.e.median
  const ratios = {
    'a / d (target ≥ 1.0)': s.a.median / s.d.median,
    'a / c (browser limit)': s.a.median / s.c.median,
    'b time / max(a time, e time) (target ≤ 1.1)':
      s.bSeconds.median / Math.max(s.aSeconds.median, eSeconds),
    'library hash rate / e (target ≥ 0.9)': s.hashRate.median / s.e.median,
  }
  printReport(
    'case',
    [
      row('(a) library HTTP, hashing off', s.a, 'MiB/s'),
      row('(b) library HTTP, hashing on', s.b, 'MiB/s'),
      row('(c) one XHR PUT of the File', s.c, 'MiB/s'),
      row('(d) 4 × 8 MiB slice XHR PUTs', s.d, 'MiB/s'),
      row('(e) raw spark-md5 in a Worker', s.e, 'MiB/s'),
      row('library hashing rate during (b)', s.hashRate, 'MiB/s'),
      row('time to first byte (a)', s.firstByteA, 'ms'),
      row('time to first byte (b)', s.firstByteB, 'ms'),
      row('peak JS heap (a, b)', s.heap, 'MiB', 1),
      row('longest main-thread task (a, b)', s.longest, 'ms'),
      row('requests per upload (a)', s.requestsA, ''),
    ],
    ratios,
  )
  writeResults('http', { sizeMiB, runs }, s, ratios)
}
