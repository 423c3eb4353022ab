import { resumeKeyPrefix } from './connect'
import { abortRemote } from './control'
import { UploadError } from './errors'
import type { FlowContext, Job } from './job'
import type { ResumeRecord } from './types'
import type { PendingUpload } from './uploader-api'

/**
 * Uploads saved by earlier visits for this protocol and endpoint, which this uploader is
 * not running: what a resume banner lists. Unreadable storage is a warning, never a throw.
 */
export function createPendingRecords(
  ctx: FlowContext,
  jobs: ReadonlyMap<string, Job>,
  warn: (error: UploadError) => void,
) {
  const prefix = `${resumeKeyPrefix(ctx.protocol)}|`

  async function read(): Promise<ResumeRecord[]> {
    if (!ctx.store) return []
    try {
      const records = await ctx.store.list()
      const active = new Set([...jobs.values()].flatMap((job) => [job.server?.key, job.key]))
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

  return {
    async list(): Promise<PendingUpload[]> {
      return (await read()).map((r) => ({
        key: r.key,
        file: r.file,
        bytesUploaded: r.parts.reduce((sum, part) => sum + part.size, 0),
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        expiresAt: r.expiresAt,
      }))
    },
    /** Deletes a pending upload on the server, then forgets its record. */
    async discard(key: string): Promise<void> {
      const record = (await read()).find((r) => r.key === key)
      if (!record) return
      await abortRemote(ctx, `discard:${key}`, record)
      await ctx.writer.delete(key)
    },
  }
}
