/**
 * The tus suite of `npm run bench`: side by side in one run, in headless Chromium with a
 * disk-backed file, against the same @tus/server (file store) on 127.0.0.1:
 *   (a) this library's tus path, hashing off    (b) the same, hashing on
 *   (c) tus-js-client 4, defaults (one PATCH)    (d) tus-js-client 4, 8 MiB chunks
 * Every upload goes to a fresh store. Reports medians with min–max and the ratios against
 * tus-js-client's best; writes bench/results/tus-*.json.
 * Env: BENCH_SIZE_MIB (default 1024), BENCH_RUNS (default 3).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startReferenceServer } from '../server'
import { createTusEndpoint } from '../server/tus'
import {
  callPage,
  launchChromium,
  openWithFile,
  randomFile,
  sampleHeap,
  startPageServer,
} from '../test/browser/harness'
import { printReport, row, summarize, writeResults } from './stats'

const MiB = 1024 * 1024
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024)
const runs = Math.max(3, Number(process.env.BENCH_RUNS ?? 3))
const size = sizeMiB * MiB

interface LibraryRun {
  mibps: number
  firstByteMs: number
  peakHeapMiB: number
  longestTaskMs: number
  requests: number
}

/** A fresh @tus/server on the reference server's listener for one upload. */
async function withTusServer<T>(fn: (endpoint: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'vcu-bench-tus-'))
  const tus = createTusEndpoint({ root: join(root, 'tus') })
  const server = await startReferenceServer({ root: join(root, 'http'), routes: [tus] })
  try {
    return await fn(`${server.url}${tus.basePath}`)
  } finally {
    await server.close()
    rmSync(root, { recursive: true, force: true })
  }
}

/** Runs the tus suite and writes its results; throws on any failed upload. */
export async function runTusBench(): Promise<void> {
  console.log(
    `bench: ${sizeMiB} MiB disk-backed file, ${runs} runs of each case, Chromium headless, @tus/server + file store`,
  )
  const source = await randomFile(size)
  const [chromium, pages] = await Promise.all([launchChromium(), startPageServer()])
  const results = {
    a: [] as LibraryRun[],
    b: [] as LibraryRun[],
    c: [] as number[],
    d: [] as number[],
  }

  async function onPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
    const page = await chromium.newPage()
    try {
      await openWithFile(page, pages.url, source.path)
      return await fn(page)
    } finally {
      await page.close()
    }
  }

  const library = (hashing: boolean) =>
    withTusServer((endpoint) =>
      onPage(async (page): Promise<LibraryRun> => {
        const stopHeap = await sampleHeap(page)
        const run = await callPage(page, 'upload', { endpoint, protocol: 'tus', hashing })
        const peak = await stopHeap()
        if (run.error || run.upload.bytesUploaded !== size)
          throw new Error(`upload failed: ${JSON.stringify(run.error)}`)
        return {
          mibps: sizeMiB / (run.ms / 1000),
          firstByteMs: run.firstByteMs,
          peakHeapMiB: peak / MiB,
          longestTaskMs: run.longestTaskMs,
          requests: run.requests,
        }
      }),
    )

  const tusJsClient = (chunkSize?: number) =>
    withTusServer((endpoint) =>
      onPage(async (page) => {
        const { ms } = await callPage(page, 'tusJsClient', endpoint, chunkSize)
        return sizeMiB / (ms / 1000)
      }),
    )

  for (let i = 0; i < runs; i++) {
    // Interleaved, so a noisy neighbour hurts every case alike.
    results.a.push(await library(false))
    results.b.push(await library(true))
    results.c.push(await tusJsClient())
    results.d.push(await tusJsClient(8 * MiB))
    console.log(`  run ${i + 1}/${runs} done`)
  }
  await Promise.allSettled([chromium.close(), pages.close()])

  const pick = (list: LibraryRun[], key: keyof LibraryRun) => summarize(list.map((r) => r[key]))
  const s = {
    a: pick(results.a, 'mibps'),
    b: pick(results.b, 'mibps'),
    c: summarize(results.c),
    d: summarize(results.d),
    firstByteA: pick(results.a, 'firstByteMs'),
    firstByteB: pick(results.b, 'firstByteMs'),
    heap: summarize([...results.a, ...results.b].map((r) => r.peakHeapMiB)),
    longest: summarize([...results.a, ...results.b].map((r) => r.longestTaskMs)),
    requestsA: pick(results.a, 'requests'),
  }
  const best = Math.max(s.c.median, s.d.median)
  const ratios = {
    'a / best tus-js-client (target ≥ 1.5)': s.a.median / best,
    'b / best tus-js-client (target ≥ 1.1)': s.b.median / best,
  }
  printReport(
    'case',
    [
      row('(a) library tus, hashing off', s.a, 'MiB/s'),
      row('(b) library tus, hashing on', s.b, 'MiB/s'),
      row('(c) tus-js-client 4, defaults (one PATCH)', s.c, 'MiB/s'),
      row('(d) tus-js-client 4, chunkSize 8 MiB', s.d, 'MiB/s'),
      row('time to first byte (a)', s.firstByteA, 'ms'),
      row('time to first byte (b)', s.firstByteB, 'ms'),
      row('peak JS heap (a, b)', s.heap, 'MiB', 1),
      row('longest main-thread task (a, b)', s.longest, 'ms'),
      row('requests per upload (a)', s.requestsA, ''),
    ],
    ratios,
  )
  writeResults('tus', { sizeMiB, runs }, s, ratios)
}
