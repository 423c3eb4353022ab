/**
 * The one runner every case goes through: a fresh page with the disk-backed file, network
 * emulation if asked, the JS heap sampled through CDP, the case's upload measured in the
 * page (bench/page/instrument.ts), then the servers cleaned up.
 */
import type { Page } from 'playwright-core'
import { openWithFile, sampleHeap, type BrowserSession } from '../test/browser/harness'
import type { CaseDef } from './cases'
import type { BenchServers } from './servers'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/** A network Chromium emulates for the page (none: loopback, unthrottled). */
export interface Network {
  readonly id: string
  readonly label: string
  /** Added round-trip latency in ms. */
  readonly latencyMs: number
  /** Upload bandwidth in Mbit/s (10⁶ bit). */
  readonly upMbit: number
}

export const NETWORKS = {
  none: { id: 'none', label: 'unthrottled (loopback)', latencyMs: 0, upMbit: 0 },
  fast: { id: '50ms-100mbit', label: '50 ms RTT, 100 Mbit/s up', latencyMs: 50, upMbit: 100 },
  slow: { id: '200ms-20mbit', label: '200 ms RTT, 20 Mbit/s up', latencyMs: 200, upMbit: 20 },
} as const satisfies Record<string, Network>

/** One run of one case. */
export interface CaseRun {
  readonly mibps: number
  readonly firstByteMs: number
  readonly heapMiB: number
  readonly longestTaskMs: number
  readonly requestsPerGiB: number
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
    await openWithFile(page, ctx.pageUrl, file.path)
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
