import { UploadError } from '../errors'
import type { ResumeRecord, ResumeStore } from '../types'

/**
 * Writes resume records without ever making an upload wait: one write per key in flight,
 * later versions coalesced into the next write, failures reported once as a warning.
 */
export interface RecordWriter {
  /**
   * Queues the record of `key`. `build` runs only when the write really starts, so the
   * versions coalesced away are never built: an upload of 10,000 parts acknowledges parts
   * far more often than IndexedDB writes, and each record lists every acknowledged part.
   */
  write(key: string, build: () => ResumeRecord): void
  delete(key: string): Promise<void>
  /** Resolves when every pending write has settled (for tests and shutdown). */
  flush(): Promise<void>
}

export function createRecordWriter(
  store: ResumeStore | undefined,
  warn: (error: UploadError) => void,
): RecordWriter {
  const inflight = new Map<string, Promise<void>>()
  const pending = new Map<string, () => ResumeRecord>()
  let warned = false

  const report = (error: unknown) => {
    if (warned) return
    warned = true
    warn(
      new UploadError('storage-unavailable', 'Resume data could not be saved', {
        retryable: false,
        cause: error,
      }),
    )
  }

  function pump(key: string): void {
    if (!store || inflight.has(key)) return
    const build = pending.get(key)
    if (!build) return
    pending.delete(key)
    const done = store
      .set(key, build())
      .catch(report)
      .finally(() => {
        inflight.delete(key)
        pump(key)
      })
    inflight.set(key, done)
  }

  return {
    write(key, build) {
      if (!store) return
      pending.set(key, build)
      pump(key)
    },
    async delete(key) {
      pending.delete(key)
      await inflight.get(key)
      pending.delete(key)
      await store?.delete(key).catch(report)
    },
    async flush() {
      while (inflight.size > 0) await Promise.all(inflight.values())
    },
  }
}
