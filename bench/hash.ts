/**
 * The hashing suite of `npm run bench hash`: the library's hasher in headless Chromium over a
 * disk-backed file, side by side in one run: spark-md5 and hash-wasm (`md5: 'wasm'`), each
 * in the Worker, as MiB/s of the full MD5, and the time of the sampled fingerprint.
 * Env: BENCH_SIZE_MIB (default 1024), BENCH_RUNS (default 3).
 */
import {
  callPage,
  launchChromium,
  openWithFile,
  randomFile,
  startPageServer,
} from '../test/browser/harness'
import { printReport, row, summarize, writeResults } from './stats'

const MiB = 1024 * 1024
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024)
const runs = Math.max(3, Number(process.env.BENCH_RUNS ?? 3))

/** Runs the hashing suite and writes its results; throws on a wrong digest. */
export async function runHashBench(): Promise<void> {
  console.log(
    `bench: ${sizeMiB} MiB disk-backed file, ${runs} runs of each engine, Chromium headless`,
  )
  const source = await randomFile(sizeMiB * MiB)
  const [chromium, pages] = await Promise.all([launchChromium(), startPageServer()])
  const engines = ['spark', 'wasm'] as const
  const rate: Record<string, number[]> = { spark: [], wasm: [] }
  const sample: Record<string, number[]> = { spark: [], wasm: [] }
  const longest: number[] = []
  try {
    for (let i = 0; i < runs; i++) {
      for (const md5 of engines) {
        const page = await chromium.newPage()
        try {
          await openWithFile(page, pages.url, source.path)
          const run = await callPage(page, 'hashFile', { md5 })
          if (run.hex !== source.md5) throw new Error(`${md5}: wrong digest`)
          if (run.warnings.length > 0) throw new Error(`${md5}: ${run.warnings.join(', ')}`)
          rate[md5].push(sizeMiB / (run.ms / 1000))
          sample[md5].push(run.sampleMs)
          longest.push(run.longestTaskMs)
        } finally {
          await page.close()
        }
      }
      console.log(`  run ${i + 1}/${runs} done`)
    }
  } finally {
    await Promise.allSettled([chromium.close(), pages.close()])
  }
  const s = {
    spark: summarize(rate.spark),
    wasm: summarize(rate.wasm),
    sampleSpark: summarize(sample.spark),
    sampleWasm: summarize(sample.wasm),
    longest: summarize(longest),
  }
  const ratios = { 'wasm / spark (full MD5 rate)': s.wasm.median / s.spark.median }
  printReport(
    'case',
    [
      row('full MD5, spark-md5 in the Worker', s.spark, 'MiB/s'),
      row("full MD5, hash-wasm in the Worker (md5: 'wasm')", s.wasm, 'MiB/s'),
      row('sampled fingerprint, spark-md5 (first job)', s.sampleSpark, 'ms', 1),
      row('sampled fingerprint, hash-wasm (first job)', s.sampleWasm, 'ms', 1),
      row('longest main-thread task', s.longest, 'ms'),
    ],
    ratios,
  )
  writeResults('hash', { sizeMiB, runs }, s, ratios)
}
