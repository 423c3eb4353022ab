/** The machine's Chromium processes, read from /proc (Linux), for bench/profile.ts and bench/pin.ts. */
import { readdirSync, readFileSync } from 'node:fs'

export interface ChromiumProcess {
  readonly pid: number
  /** `/proc/<pid>/stat`. */
  readonly stat: string
  /** `/proc/<pid>/cmdline` (arguments separated by NUL). */
  readonly cmdline: string
}

/** Every running Chromium process; one that ends while it is read is left out. */
export function chromiumProcesses(): ChromiumProcess[] {
  const found: ChromiumProcess[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (!stat.includes('(chromium)')) continue
      found.push({
        pid: Number(entry),
        stat,
        cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8'),
      })
    } catch {
      // The process ended meanwhile.
    }
  }
  return found
}
