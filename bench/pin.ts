/**
 * Opt-in CPU pinning of a bench run (`BENCH_PIN=1`, Linux with taskset, 2 cores or more): the
 * page's renderer processes on core 0, every other Chromium process and the bench's own Node
 * process (the servers) on core 1, re-applied every 200 ms as pages come and go. A
 * diagnosis, not a figure to publish: with the renderer on a core of its own, a long task
 * that remains is the page's own work; one that goes away came from the renderer waiting
 * for a core the servers held (the shared 2-core machine has no other way to tell them apart).
 */
import { execFileSync } from 'node:child_process'
import { cpus } from 'node:os'
import { chromiumProcesses } from './processes'

/** Pids of the Chromium processes, split into renderers and the rest. */
function chromiumPids(): { renderers: number[]; others: number[] } {
  const renderers: number[] = []
  const others: number[] = []
  for (const { pid, cmdline } of chromiumProcesses()) {
    ;(cmdline.includes('--type=renderer') ? renderers : others).push(pid)
  }
  return { renderers, others }
}

/** Every thread of `pid` on `core`; a process that ended meanwhile is skipped. */
function pin(pid: number, core: number): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' })
  } catch {
    // Ended meanwhile, or taskset refused: the run goes on unpinned for that process.
  }
}

/** Starts pinning when `BENCH_PIN` is set; the returned function stops it. */
export function startPinning(): (() => void) | undefined {
  if (!process.env.BENCH_PIN) return undefined
  if (cpus().length < 2) throw new Error('BENCH_PIN needs 2 cores or more')
  const pinned = new Map<number, number>()
  const apply = () => {
    const { renderers, others } = chromiumPids()
    const wanted: [number, number][] = [
      [process.pid, 1],
      ...renderers.map((pid): [number, number] => [pid, 0]),
      ...others.map((pid): [number, number] => [pid, 1]),
    ]
    // New threads of a process already pinned inherit its mask: pin each process once.
    for (const [pid, core] of wanted) {
      if (pinned.get(pid) === core) continue
      pin(pid, core)
      pinned.set(pid, core)
    }
  }
  apply()
  const timer = setInterval(apply, 200)
  return () => clearInterval(timer)
}
