import { resumeKeyPrefix } from '../run/find-or-create'
import { abortRemote, runControl } from '../run/control-requests'
import { UploadError } from '../errors'
import type { Job } from '../run/job'
import type { FlowContext } from '../run/run-context'
import { partLength } from '../run/part-plan'
import type { ResumeRecord, ServerState } from '../types'
import type { PendingUpload } from '../uploader/uploader-api'
import { isAbandoned, isExpired } from './expired-records'

/** How long `pending()` waits for retried clears before listing what is still clearing. */
const CLEAR_RETRY_BUDGET_MS = 3000
/** How long `pending()` waits for the servers' status before it lists what the records say. */
const STATUS_BUDGET_MS = 3000

/** Bytes a status answer says the server holds, in whole bytes of the record's plan. */
function heldBytes(record: ResumeRecord, state: ServerState): number {
  const { plan } = record
  if (state.offset !== undefined) return Math.max(0, Math.min(state.offset, plan.size))
  const indexes = new Set(
    state.parts
      .map((part) => part.index)
      .filter((index) => Number.isInteger(index) && index >= 0 && index < plan.count),
  )
  let bytes = 0
  for (const index of indexes) bytes += partLength(plan, index)
  for (const { index, bytes: held } of state.partial ?? []) {
    if (indexes.has(index) || !Number.isInteger(index) || index < 0 || index >= plan.count) continue
    if (Number.isInteger(held) && held > 0) bytes += Math.min(held, partLength(plan, index))
  }
  return bytes
}

/**
 * Uploads saved by earlier visits for this protocol and endpoint, which this uploader is
 * not running: what a resume banner lists. Unreadable storage is a warning, never a throw.
 * Records whose clear could not reach the server are retried on every read, and so are
 * expired records: their server upload is deleted before they are (`expired-records.ts`).
 */
export function createPendingRecords(
  ctx: FlowContext,
  jobs: ReadonlyMap<string, Job>,
  warn: (error: UploadError) => void,
) {
  const prefix = `${resumeKeyPrefix(ctx.protocol)}|`
  const clearing = new Map<string, Promise<boolean>>()

  async function read(): Promise<ResumeRecord[]> {
    if (!ctx.store) return []
    try {
      const records = await ctx.store.list()
      // Nothing saved (the usual case with many small files): no need to look at the jobs.
      if (records.length === 0) return []
      // Records this uploader is running, or about to (picked again, not connected yet).
      const active = new Set(
        [...jobs.values()].flatMap((job) => [job.server?.key, job.resumeOf?.key, job.key]),
      )
      // An upload another tab is sending is busy there, not waiting for this visit.
      for (const upload of ctx.tabs.elsewhere()) active.add(upload.key)
      const now = ctx.clock.now()
      const mine = records.filter((r) => r.key.startsWith(prefix) && !active.has(r.key))
      for (const record of mine) if (isExpired(record, now)) sweep(record, now)
      return mine.filter((r) => !isExpired(r, now))
    } catch (error) {
      warn(
        new UploadError('storage-unavailable', 'Saved uploads could not be read', { cause: error }),
      )
      return []
    }
  }

  /**
   * An expired record: one attempt to delete its server upload, in the background (nobody
   * waits for it); the record goes once that worked, or once it is abandoned.
   */
  function sweep(record: ResumeRecord, now: number): void {
    if (isAbandoned(record, now, ctx.options.resumeExpiryMs)) void ctx.writer.delete(record.key)
    else void clear(record, true)
  }

  /**
   * One attempt to delete the upload on the server; the record goes only once it did.
   * `quiet` (an expired record): a failure is neither marked nor warned of, the next read
   * tries again anyway.
   */
  function clear(record: ResumeRecord, quiet = false): Promise<boolean> {
    const running = clearing.get(record.key)
    if (running) return running
    const attempt = abortRemote(ctx, `clear:${record.key}`, record, false)
      .then(async () => {
        await ctx.writer.delete(record.key)
        return true
      })
      .catch(async (error: unknown) => {
        if (quiet) return false
        // Kept, marked, so the next read, visit or return online tries again.
        if (!record.clearing) {
          const marked = { ...record, clearing: true, updatedAt: ctx.clock.now() }
          ctx.writer.write(record.key, () => marked)
          await ctx.writer.flush()
        }
        warn(
          new UploadError('network', 'The upload could not be deleted on the server yet', {
            cause: error,
          }),
        )
        return false
      })
      .finally(() => clearing.delete(record.key))
    clearing.set(record.key, attempt)
    return attempt
  }

  async function retryClears(records: ResumeRecord[]): Promise<Set<string>> {
    const marked = records.filter((r) => r.clearing)
    const cleared = new Set<string>()
    if (marked.length === 0) return cleared
    let stop = () => {}
    const budget = new Promise<void>((resolve) => {
      stop = ctx.clock.setTimeout(resolve, CLEAR_RETRY_BUDGET_MS)
    })
    const attempts = marked.map((record) =>
      clear(record).then((done) => {
        if (done) cleared.add(record.key)
        return done
      }),
    )
    // Slow servers do not hold the list up: late clears announce themselves.
    void Promise.all(attempts).then((results) => {
      if (results.some(Boolean)) ctx.emit('pending-changed', {})
    })
    await Promise.race([Promise.all(attempts), budget])
    stop()
    return cleared
  }

  /**
   * What each server holds now, asked once per record (no retry, a bounded wait). A record
   * is saved when parts are acknowledged, so it lags behind a request that was cut (the
   * one-request upload from byte 0 is acknowledged only when it ends): the banner shows
   * the server's count, and nothing is written for it. Unanswered: the record's count.
   */
  async function serverBytes(records: ResumeRecord[]): Promise<Map<string, number>> {
    const held = new Map<string, number>()
    const asked = records.filter((r) => !r.clearing)
    if (asked.length === 0) return held
    const controller = new AbortController()
    let stop = () => {}
    const budget = new Promise<void>((resolve) => {
      stop = ctx.clock.setTimeout(() => {
        controller.abort()
        resolve()
      }, STATUS_BUDGET_MS)
    })
    const answers = asked.map((record) =>
      runControl(
        ctx,
        `pending:${record.key}`,
        controller.signal,
        (c) => ctx.protocol.status({ ...c, remote: record.remote, plan: record.plan }),
        false,
      ).then(
        (state) => void held.set(record.key, heldBytes(record, state)),
        () => undefined, // gone, offline or slow: the record's own count stands
      ),
    )
    await Promise.race([Promise.all(answers), budget])
    stop()
    return held
  }

  return {
    read,
    async list(): Promise<PendingUpload[]> {
      const records = await read()
      const cleared = await retryClears(records)
      const listed = records.filter((r) => !cleared.has(r.key))
      const held = await serverBytes(listed)
      return listed.map((r) => ({
        key: r.key,
        file: r.file,
        bytesUploaded: held.get(r.key) ?? r.parts.reduce((sum, part) => sum + part.size, 0),
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        expiresAt: r.expiresAt,
        clearing: r.clearing === true,
        ...(r.handle === undefined ? {} : { handle: r.handle }),
      }))
    },
    /**
     * Deletes a pending upload on the server, then forgets its record. When the server
     * cannot be reached the record is kept, marked as clearing, and the delete is retried
     * on later reads; resolves `false` then.
     */
    async discard(key: string): Promise<boolean> {
      const record = (await read()).find((r) => r.key === key)
      if (!record) return true
      return clear(record)
    },
  }
}
