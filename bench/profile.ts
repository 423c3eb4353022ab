/**
 * Opt-in CPU measurements of one bench run (`BENCH_CPU_PROFILE=<folder>`): a CPU profile of
 * the page's main thread, saved for Chromium's DevTools (Performance panel), and the CPU
 * time each kind of Chromium process and the bench's own Node process (the servers) spent
 * over the run, printed.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { chromiumProcesses } from './processes'

/** CPU milliseconds of the Chromium processes by kind (browser, renderer, network...). */
function chromiumCpuMs(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const { stat, cmdline } of chromiumProcesses()) {
    const kind = /--type=([a-z-]+)/.exec(cmdline)?.[1] ?? 'browser'
    const sub = /--utility-sub-type=([a-zA-Z.]+)/.exec(cmdline)?.[1]
    const key = sub ? `${kind}:${sub.split('.').pop()}` : kind
    // utime and stime, in clock ticks (100 a second on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    out[key] = (out[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10
  }
  return out
}

/**
 * Starts profiling `page` when `BENCH_CPU_PROFILE` names a folder; the returned function
 * stops, saves `<folder>/<name>-<time>.cpuprofile` and prints the CPU per process.
 */
export async function startProfile(page: Page, name: string) {
  const folder = process.env.BENCH_CPU_PROFILE
  if (!folder) return undefined
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  const node0 = process.cpuUsage()
  const chrome0 = chromiumCpuMs()
  return async () => {
    const node = process.cpuUsage(node0)
    const chrome = Object.entries(chromiumCpuMs()).map(([k, v]) => `${k} ${v - (chrome0[k] ?? 0)}`)
    const { profile } = await cdp.send('Profiler.stop')
    await mkdir(folder, { recursive: true })
    const path = join(folder, `${name}-${Date.now()}.cpuprofile`)
    await writeFile(path, JSON.stringify(profile))
    console.log(`  cpu profile: ${path}`)
    console.log(
      `  cpu ms: bench node ${Math.round((node.user + node.system) / 1000)}, ${chrome.join(', ')}`,
    )
    await cdp.detach().catch(() => undefined)
  }
}
