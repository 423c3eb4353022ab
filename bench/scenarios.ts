/**
 * The two scenarios besides raw throughput.
 *
 * Reload and resume: this library uploads a file through byte counters in front of the
 * servers, the page is reloaded once the servers have received half of it, the same file
 * is chosen again and added. Measured: the bytes the servers received beyond the file's
 * size (what was sent twice, plus every request's headers) and the time from adding the
 * file again to the first request with file bytes.
 *
 * Many small files: see {@link runMany}.
 */
import { callBench, libraryOptions } from './cases'
import type { Protocol } from './page/main'
import type { ManyVariant } from './results'
import { openBenchPage, type RunContext } from './runner'
import { startProfile } from './profile'

export interface ResumeRun {
  readonly extraBytes: number
  readonly reselectToFirstByteMs: number
  readonly resumed: boolean
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function runResume(
  ctx: RunContext,
  protocol: Protocol,
  file: { path: string; size: number },
): Promise<ResumeRun> {
  const target = await ctx.servers.target({ countBytes: true })
  const page = await ctx.chromium.newPage()
  try {
    await openBenchPage(page, ctx.pageUrl, file.path)
    // Library defaults (hashing on where the protocol uses it); the reload ends this call.
    const options = { ...libraryOptions }
    const first = callBench(page, 'library', protocol, target[protocol], options)
    let failed: unknown
    first.catch((error: unknown) => (failed = error))
    const deadline = Date.now() + 300_000
    while (target.received() < file.size / 2) {
      if (failed !== undefined) throw failed
      if (Date.now() > deadline) throw new Error('resume: half the file never arrived')
      await sleep(5)
    }
    await page.reload()
    await openBenchPage(page, ctx.pageUrl, file.path)
    const run = await callBench(page, 'library', protocol, target[protocol], options)
    return {
      extraBytes: target.received() - file.size,
      reselectToFirstByteMs: run.firstByteMs,
      resumed: run.resumed,
    }
  } finally {
    await page.close().catch(() => undefined)
    await target.cleanup()
  }
}

export interface ManyRun {
  /** Uploads done when the run ended (all of them, unless the deadline came first). */
  readonly done: number
  /** Files that failed for good (after the library's retries); ours only. */
  readonly failed: number
  /** The first failed file's error code and message. */
  readonly firstError?: string
  readonly totalMs: number
  readonly longestTaskMs: number
  readonly longTasksOver50: number
}

/**
 * `count` files of `size` bytes over `protocol`: through UploadPlugin (with the components or
 * headless), or through that protocol's baseline (one PUT each, tus-js-client, Uppy's S3).
 */
export async function runMany(
  ctx: RunContext,
  count: number,
  size: number,
  deadlineMs: number,
  variant: ManyVariant = 'components',
  protocol: Protocol = 'http',
): Promise<ManyRun> {
  const target = await ctx.servers.target()
  const page = await ctx.chromium.newPage()
  try {
    await openBenchPage(page, ctx.pageUrl)
    const profile = await startProfile(page, `${protocol}-${variant}-${count}x${size}`)
    const run =
      variant === 'put-per-file'
        ? await callBench(page, 'putPerFile', target.sink, count, size)
        : variant === 'tusjs-per-file'
          ? await callBench(page, 'tusPerFile', target.tus, count, size)
          : variant === 'uppy-s3'
            ? await callBench(page, 'uppyPerFile', target.presign, count, size)
            : await callBench(
                page,
                'manyFiles',
                protocol,
                target[protocol],
                count,
                size,
                variant === 'components',
                libraryOptions,
                deadlineMs,
              )
    await profile?.()
    // Only the library's run reports failures; the baselines throw on any.
    const { failed = 0, firstError } = run as { failed?: number; firstError?: string }
    return {
      done: run.done,
      failed,
      ...(firstError ? { firstError } : {}),
      totalMs: run.ms,
      longestTaskMs: run.longestTaskMs,
      longTasksOver50: run.longTasksOver50,
    }
  } finally {
    await page.close().catch(() => undefined)
    await target.cleanup()
  }
}
