/**
 * Drives the soak page in real Chromium: runs batches of uploads under the rig's faults,
 * with page reloads, cancels and a server restart, checks every stored file against its
 * source, and keeps the figures.
 */
import { basename } from 'node:path'
import type { Page } from 'playwright-core'
import {
  launchChromium,
  md5OfFile,
  randomFile,
  startPageServer,
  type BrowserSession,
} from '../browser/harness'
import type { SoakApi, SoakEvent, SoakPageConfig, UploadView } from '../browser/pages/soak'
import { countFaults, emptyFigures, type SoakFigures } from './figures'
import { MiB, PROTOCOLS, type PlannedBatch, type PlannedUpload } from './plan'
import type { SoakRig } from './rig'

export const PAGE_CONFIG: Omit<SoakPageConfig, 'endpoints'> = {
  chunkSize: { http: 1 * MiB, tus: 2 * MiB, s3: 5 * MiB },
  concurrency: 4,
  stallTimeoutMs: 5000,
  requestTimeoutMs: 15_000,
  retry: { maxAttempts: 10, baseDelayMs: 250, maxDelayMs: 4000 },
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class SoakSession {
  readonly figures: SoakFigures
  private chromium!: BrowserSession
  private pages!: { url: string; close(): Promise<void> }
  private page!: Page
  private readonly sources = new Map<string, { path: string; md5: string; upload: PlannedUpload }>()
  /** Per name, the last terminal event of the running batch. */
  private readonly finished = new Map<string, SoakEvent & { type: 'success' | 'error' }>()
  private readonly startedAt = Date.now()
  private batchIndex = 0
  private restartCarried = false

  constructor(
    private readonly rig: SoakRig,
    seed: number,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.figures = emptyFigures(seed)
  }

  async open(): Promise<void> {
    ;[this.chromium, this.pages] = await Promise.all([launchChromium(), startPageServer()])
    this.page = await this.chromium.newPage()
    this.page.on('pageerror', (error) =>
      this.figures.pageErrors.push(`pageerror: ${error.message}`),
    )
    await this.page.exposeFunction('soakEvent', (event: SoakEvent) => this.onEvent(event))
    await this.load(false)
  }

  private onEvent(event: SoakEvent): void {
    switch (event.type) {
      case 'started':
        if (event.resumed) this.figures.resumes++
        return
      case 'retry':
        this.figures.retries++
        this.figures.retriesByCode[event.code] = (this.figures.retriesByCode[event.code] ?? 0) + 1
        return
      case 'success':
      case 'error':
        this.finished.set(event.name, event)
        return
      case 'warning':
        this.figures.warnings.push(`${event.protocol}: ${event.code}: ${event.message}`)
        return
      case 'page-error':
        this.figures.pageErrors.push(event.message)
    }
  }

  private call<K extends keyof SoakApi>(
    method: K,
    ...args: Parameters<SoakApi[K]>
  ): Promise<Awaited<ReturnType<SoakApi[K]>>> {
    return this.page.evaluate(
      ([name, params]) => {
        const api = (window as unknown as { soak: Record<string, (...a: unknown[]) => unknown> })
          .soak
        return api[name](...params)
      },
      [method, args] as [string, unknown[]],
    ) as Promise<Awaited<ReturnType<SoakApi[K]>>>
  }

  /** Opens (or reloads) the page and builds its uploaders. */
  private async load(reload: boolean): Promise<void> {
    if (reload) await this.page.reload()
    else await this.page.goto(`${this.pages.url}/soak.html`)
    await this.page.waitForFunction(
      () => (window as unknown as { soak?: unknown }).soak !== undefined,
    )
    await this.call('init', { ...PAGE_CONFIG, endpoints: this.rig.endpoints })
  }

  /** The batch's files on disk (cached between runs), chosen in the page's input. */
  private async choose(uploads: readonly PlannedUpload[]): Promise<void> {
    for (const upload of uploads) {
      if (this.sources.has(upload.name)) continue
      const file = await randomFile(upload.size, upload.name)
      this.sources.set(upload.name, { ...file, upload })
    }
    await this.page.setInputFiles(
      '#files',
      uploads.map((upload) => this.sources.get(upload.name)!.path),
    )
  }

  private async add(uploads: readonly PlannedUpload[]): Promise<void> {
    for (const protocol of PROTOCOLS) {
      const names = uploads.filter((u) => u.protocol === protocol).map((u) => u.name)
      if (names.length > 0) await this.call('add', protocol, names)
    }
  }

  /**
   * Runs one batch to its end: every upload finished (or failed), with the batch's reload,
   * cancel and restart at their times. Bounded by `timeoutMs`.
   */
  async runBatch(batch: PlannedBatch, timeoutMs = 6 * 60_000): Promise<void> {
    const number = ++this.batchIndex
    const uploads = batch.uploads
    this.figures.planned += uploads.length
    this.finished.clear()
    await this.choose(uploads)
    const started = Date.now()
    await this.add(uploads)
    const sizes = uploads.map((u) => `${u.protocol}:${(u.size / MiB).toFixed(1)}M`).join(' ')
    this.log(`batch ${number}: ${sizes}`)
    let reloadAt = batch.reloadAfterMs
    let cancel = batch.cancel
    let restart: Promise<void> | undefined
    // A restart planned for a batch that finished too soon moves to the next one.
    let restartAt = batch.restartAfterMs ?? (this.restartCarried ? 300 : undefined)
    this.restartCarried = false
    const open = () => uploads.filter((u) => !this.finished.has(u.name))
    while (open().length > 0) {
      const elapsed = Date.now() - started
      if (elapsed > timeoutMs) {
        const states = await this.call('status').catch(() => [] as UploadView[])
        for (const upload of open()) {
          const seen = states.filter((s) => s.name === upload.name).at(-1)
          this.fail(upload, `timed out in state ${seen?.state ?? 'unknown'}`)
        }
        break
      }
      if (restartAt !== undefined && elapsed >= restartAt) {
        restartAt = undefined
        this.log(`  restarting the server at ${elapsed} ms`)
        restart = this.rig.restart(1500)
      }
      if (cancel && elapsed >= cancel.afterMs) {
        const target = uploads.find((u) => u.name === cancel!.name)!
        cancel = undefined
        if (!this.finished.has(target.name)) await this.cancelAndReadd(target)
      }
      if (reloadAt !== undefined && elapsed >= reloadAt) {
        if (await this.reloadIfQuiet(uploads)) reloadAt = undefined
        else if (elapsed >= reloadAt + 5000) reloadAt = undefined // never quiet: skip it
      }
      await sleep(100)
    }
    if (restartAt !== undefined) this.restartCarried = true
    await restart
    await this.verify(uploads)
  }

  /** Counts a batch that never ran (the soak's time ran out) as failed. */
  skip(batch: PlannedBatch, reason: string): void {
    this.figures.planned += batch.uploads.length
    for (const upload of batch.uploads) this.fail(upload, reason)
  }

  private fail(upload: PlannedUpload, reason: string): void {
    this.figures.failures.push({
      name: upload.name,
      protocol: upload.protocol,
      size: upload.size,
      reason,
    })
    this.log(`  FAILED ${upload.name} (${upload.protocol}, ${upload.size} B): ${reason}`)
  }

  private async cancelAndReadd(upload: PlannedUpload): Promise<void> {
    this.log(`  canceling ${upload.name} and adding it again`)
    await this.call('cancel', upload.name)
    this.figures.cancels++
    await this.call('add', upload.protocol, [upload.name])
  }

  /**
   * Reloads the page unless an upload is being created or completed (a reload then would
   * orphan a server-side upload the page never learned of, which only the server's expiry
   * removes), then adds the unfinished files again: they resume from their records.
   */
  private async reloadIfQuiet(uploads: readonly PlannedUpload[]): Promise<boolean> {
    const states = await this.call('status')
    if (states.some((s) => s.state === 'preparing' || s.state === 'completing')) return false
    const again = uploads.filter((u) => !this.finished.has(u.name))
    if (again.length === 0) return true
    this.log(`  reloading the page; adding ${again.length} file(s) again`)
    this.figures.reloads++
    await this.load(true)
    await this.page.setInputFiles(
      '#files',
      uploads.map((upload) => this.sources.get(upload.name)!.path),
    )
    // A file that finished while the page unloaded is added again like the others.
    await this.add(again)
    return true
  }

  /** Every finished upload is stored byte-identical to its source. */
  private async verify(uploads: readonly PlannedUpload[]): Promise<void> {
    for (const upload of uploads) {
      const event = this.finished.get(upload.name)
      if (!event) continue
      if (event.type === 'error') {
        this.fail(
          upload,
          `upload-error ${event.upload.error?.code}: ${event.upload.error?.message}`,
        )
        continue
      }
      const source = this.sources.get(upload.name)!
      const stored = this.rig.storedPath(event.upload)
      const md5 = await md5OfFile(stored).catch(() => 'missing')
      if (md5 !== source.md5) {
        this.fail(upload, `stored ${basename(stored)} has MD5 ${md5}, source ${source.md5}`)
        continue
      }
      const counts = this.figures.uploads[upload.protocol]
      counts.completed++
      counts.bytes += upload.size
      this.figures.completed++
      this.figures.bytes += upload.size
      this.figures.largest = Math.max(this.figures.largest, upload.size)
      this.figures.bytesResent += event.upload.bytesResent
    }
  }

  /** Clears what the page still keeps, checks that no server holds anything unfinished. */
  async finish(): Promise<SoakFigures> {
    this.rig.stopFaults()
    const pending = await this.call('pending')
    this.figures.resumeRecordsLeft = PROTOCOLS.reduce((n, p) => n + pending[p].length, 0)
    if (this.figures.resumeRecordsLeft > 0) {
      this.log(`  resume records left: ${JSON.stringify(pending)}; clearing them`)
      await this.call('clearPending')
    }
    this.figures.leftovers = await this.rig.leftovers()
    countFaults(this.figures, this.rig.appProxy, this.rig.s3Proxy)
    this.figures.restarts = this.rig.restarts
    this.figures.durationMs = Date.now() - this.startedAt
    const left = PROTOCOLS.reduce((n, p) => n + this.figures.leftovers[p].length, 0)
    this.figures.ok =
      this.figures.failures.length === 0 &&
      this.figures.pageErrors.length === 0 &&
      this.figures.completed === this.figures.planned &&
      left === 0
    return this.figures
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.chromium?.close(), this.pages?.close()])
  }
}
