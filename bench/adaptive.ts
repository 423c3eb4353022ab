/**
 * The adaptive suite of `npm run bench adaptive`: this library with `adaptive` on (the
 * default) and off (fixed 8 MiB parts, `concurrency` lanes from the start), side by side,
 * interleaved, on the parts path (S3 multipart, and HTTP with `stream: false`), hashing
 * off, unthrottled and under CDP network emulation (50 ms latency, 100 Mbit/s up).
 * Env: BENCH_SIZE_MIB (default 256), BENCH_EMULATE_SIZE_MIB (default 64), BENCH_RUNS
 * (default 3), BENCH_PROTOCOLS (default "s3,http").
 */
import type { Page } from 'playwright-core'
import {
  callPage,
  launchChromium,
  openWithFile,
  randomFile,
  startPageServer,
} from '../test/browser/harness'
import { serverFor } from './first-byte'
import { printReport, row, summarize, writeResults, type Summary } from './stats'

const MiB = 1024 * 1024
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 256)
const slowSizeMiB = Number(process.env.BENCH_EMULATE_SIZE_MIB ?? 64)
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3))
const protocols = (process.env.BENCH_PROTOCOLS ?? 's3,http').split(',') as ('http' | 's3')[]

async function emulate(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 50,
    uploadThroughput: 100e6 / 8,
    downloadThroughput: 100e6 / 8,
  })
}

export async function runAdaptiveBench(): Promise<void> {
  console.log(
    `bench adaptive: ${sizeMiB} MiB unthrottled and ${slowSizeMiB} MiB at 50 ms / 100 Mbit/s, ${runs} runs, protocols ${protocols.join(', ')}`,
  )
  const [big, small] = await Promise.all([randomFile(sizeMiB * MiB), randomFile(slowSizeMiB * MiB)])
  const [chromium, pages] = await Promise.all([launchChromium(), startPageServer()])
  const rates: Record<string, number[]> = {}
  const requests: Record<string, number[]> = {}
  try {
    for (let i = 0; i < runs; i++) {
      for (const slow of [false, true]) {
        for (const protocol of protocols) {
          for (const adaptive of [true, false]) {
            const name = `${protocol} ${slow ? '50ms/100Mbit' : 'unthrottled'} ${adaptive ? 'adaptive' : 'fixed'}`
            const source = slow ? small : big
            const mib = slow ? slowSizeMiB : sizeMiB
            const server = await serverFor(protocol)
            const page = await chromium.newPage()
            try {
              await openWithFile(page, pages.url, source.path)
              if (slow) await emulate(page)
              const run = await callPage(page, 'upload', {
                endpoint: server.endpoint,
                protocol,
                hashing: false,
                stream: false,
                chunkSize: 8 * MiB,
                concurrency: 6,
                adaptive,
              })
              if (run.error || run.result?.size !== mib * MiB)
                throw new Error(`${name}: ${JSON.stringify(run.error)}`)
              ;(rates[name] ??= []).push(mib / (run.ms / 1000))
              ;(requests[name] ??= []).push(run.requests)
            } finally {
              await page.close()
              await server.close()
            }
          }
        }
      }
      console.log(`  run ${i + 1}/${runs} done`)
    }
  } finally {
    await Promise.allSettled([chromium.close(), pages.close()])
  }
  const summaries: Record<string, Summary> = {}
  const rows: string[] = []
  const ratios: Record<string, number> = {}
  for (const name of Object.keys(rates)) {
    summaries[name] = summarize(rates[name])
    summaries[`${name} requests`] = summarize(requests[name])
    rows.push(row(name, summaries[name], 'MiB/s', 1))
    if (name.endsWith('fixed')) {
      const adaptive = name.replace(/fixed$/, 'adaptive')
      ratios[`${adaptive} / fixed (target ≥ 1.0)`] =
        summaries[adaptive].median / summaries[name].median
    }
  }
  printReport('case', rows, ratios, 60)
  writeResults('adaptive', { sizeMiB, slowSizeMiB, runs }, summaries, ratios)
}
