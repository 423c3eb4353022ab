import { resumeKeyPrefix } from './connect'
import { abortRemote } from './control'
import { UploadError } from './errors'
import type { FlowContext, Job } from './job'
import type { ResumeRecord } from './types'
import type { PendingUpload } from './uploader-api'

/** How long `pending()` waits for retried clears before listing what is still clearing. */
const CLEAR_RETRY_BUDGET_MS = 3000

/**
 * Uploads saved by earlier visits for this protocol and endpoint, which this uploader is
 * not running: what a resume banner lists. Unreadable storage is a warning, never a throw.
 * Records whose clear could not reach the server are retried on every read.
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
      // Records this uploader is running, or about to (picked again, not connected yet).
      const active = new Set(
        [...jobs.values()].flatMap((job) => [job.server?.key, job.resumeOf?.key, job.key]),
      )
      // An upload another tab is sending is busy there, not waiting for this visit.
      for (const upload of ctx.tabs.elsewhere()) active.add(upload.key)
      const now = ctx.clock.now()
      return records.filter(
        (r) => r.key.startsWith(prefix) && r.expiresAt > now && !active.has(r.key),
      )
    } catch (error) {
      warn(
        new UploadError('storage-unavailable', 'Saved uploads could not be read', { cause: error }),
      )
      return []
    }
  }

  /** One attempt to delete the upload on the server; the record goes only once it did. */
  function clear(record: ResumeRecord): Promise<boolean> {
    const running = clearing.get(record.key)
    if (running) return running
    const attempt = abortRemote(ctx, `clear:${record.key}`, record, false)
      .then(async () => {
        await ctx.writer.delete(record.key)
        return true
      })
      .catch(async (error: unknown) => {
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

  return {
    read,
    async list(): Promise<PendingUpload[]> {
      const records = await read()
      const cleared = await retryClears(records)
      return records
        .filter((r) => !cleared.has(r.key))
        .map((r) => ({
          key: r.key,
          file: r.file,
          bytesUploaded: r.parts.reduce((sum, part) => sum + part.size, 0),
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
