/**
 * The one runner every case goes through: a fresh page with the disk-backed file, network
 * emulation if asked, the JS heap sampled through CDP, the case's upload measured in the
 * page (bench/page/instrument.ts), then the servers cleaned up.
 */
import type { Page } from 'playwright-core'
import { startProfile } from './profile'
import type { BrowserSession } from '../test/browser/harness'
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
  /** The page's heap when the upload started (the bench page loads every uploader). */
  readonly heapBeforeMiB: number
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

/**
 * Samples the page's JS heap (main thread) through CDP every `everyMs`; the stop function
 * gives the first sample and the peak, in bytes.
 */
async function sampleHeap(page: Page, everyMs = 50) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const used = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')
      ?.value ?? 0
  const first = await used()
  let peak = first
  let running = true
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await used())
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return async () => {
    running = false
    await loop
    await cdp.detach().catch(() => {})
    return { first, peak }
  }
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
    const profile = await startProfile(page, `${def.id}-${file.size}-${network.id}`)
    let heap = { first: 0, peak: 0 }
    const run = await def.run(page, target).finally(async () => (heap = await stopHeap()))
    await profile?.()
    return {
      mibps: file.size / MiB / (run.ms / 1000),
      firstByteMs: run.firstByteMs,
      heapMiB: heap.peak / MiB,
      heapBeforeMiB: heap.first / MiB,
      longestTaskMs: run.longestTaskMs,
      requestsPerGiB: run.requests / (file.size / GiB),
    }
  } finally {
    await page.close().catch(() => undefined)
    await target.cleanup()
  }
}
