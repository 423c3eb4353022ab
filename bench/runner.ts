/**
 * The one runner every case goes through: a fresh page with the disk-backed file, network
 * emulation if asked, the JS heap sampled through CDP, the case's upload measured in the
 * page (bench/page/instrument.ts), then the servers cleaned up.
 */
import type { Page } from 'playwright-core'
import { sampleHeap, type BrowserSession } from '../test/browser/harness'
import type { CaseDef } from './cases'
import type { Network } from './networks'
import type { BenchServers } from './servers'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/** One run of one case. */
export interface CaseRun {
  readonly mibps: number
  readonly firstByteMs: number
  readonly heapMiB: number
  readonly longestTaskMs: number
  readonly requestsPerGiB: number
}

/** Opens the bench page (bench/page) and, when given, puts the file into its input (disk-backed). */
export async function openBenchPage(page: Page, pageUrl: string, filePath?: string): Promise<void> {
  await page.goto(`${pageUrl}/index.html`)
  await page.waitForFunction(() => (window as unknown as { bench?: unknown }).bench !== undefined)
  if (filePath) await page.setInputFiles('#file', filePath)
}

export async function emulate(page: Page, network: Network): Promise<void> {
  if (network.upMbit === 0 && network.latencyMs === 0) return
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    // CDP's latency is the added round-trip time.
    latency: network.latencyMs,
    uploadThroughput: (network.upMbit * 1e6) / 8,
    downloadThroughput: (network.upMbit * 1e6) / 8,
  })
}

export interface RunContext {
  readonly chromium: BrowserSession
  readonly pageUrl: string
  readonly servers: BenchServers
}

export async function runCase(
  ctx: RunContext,
  def: CaseDef,
  file: { path: string; size: number },
  network: Network,
): Promise<CaseRun> {
  const target = await ctx.servers.target()
  const page = await ctx.chromium.newPage()
  try {
    await openBenchPage(page, ctx.pageUrl, file.path)
    await emulate(page, network)
    const stopHeap = await sampleHeap(page)
    let peak = 0
    const run = await def.run(page, target).finally(async () => (peak = await stopHeap()))
    return {
      mibps: file.size / MiB / (run.ms / 1000),
      firstByteMs: run.firstByteMs,
      heapMiB: peak / MiB,
      longestTaskMs: run.longestTaskMs,
      requestsPerGiB: run.requests / (file.size / GiB),
    }
  } finally {
    await page.close().catch(() => undefined)
    await target.cleanup()
  }
}
