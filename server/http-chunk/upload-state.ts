import { ChunkSet } from './chunk-set'
import { syncData, writeJsonAtomic } from './meta'
import { PrefixHasher } from './prefix-hasher'
import type { UploadMeta } from './meta'

/** How long recorded chunks may wait before the meta file is rewritten (stream route). */
const PERSIST_DELAY_MS = 200

/**
 * The live state of one incomplete upload: its meta, which chunks are held, which are being
 * written right now, and the serialized persistence of its meta file.
 *
 * Claims make concurrent writers safe: a chunk is written by at most one request at a time,
 * and a held chunk is never written again, so a late or corrupt re-send can never damage
 * bytes that were already acknowledged.
 */
export class UploadState {
  readonly received: ChunkSet
  /** MD5 of the held prefix, kept current as chunks arrive (see PrefixHasher). */
  readonly prefix: PrefixHasher
  private readonly claims = new Set<number>()
  /**
   * Chunks a cut request left partly written: bytes held from the chunk's start, already in
   * the part file at their place. Memory only (at most one number per chunk): a restart
   * forgets them, and those chunks are sent whole again.
   */
  private readonly partials = new Map<number, number>()
  private writing: Promise<void> | null = null
  private queued: Promise<void> | null = null
  private timer: NodeJS.Timeout | null = null
  /** Set once the upload is completed, aborted or swept: no write may recreate its meta. */
  removed = false
  /** How many held chunks had their bytes synced by a meta write. */
  private syncedChunks = 0
  /** True once a meta write finished, which synced the directory holding the part. */
  private partListed = false

  constructor(
    readonly meta: UploadMeta,
    private readonly metaPath: string,
    private readonly expiresInMs: number,
    private readonly partPath: string,
  ) {
    this.received = ChunkSet.fromRanges(meta.chunkCount, meta.received)
    this.prefix = new PrefixHasher(partPath, this.received, meta.size, meta.chunkSize)
  }

  get id(): string {
    return this.meta.id
  }

  /** Byte length of chunk `index` (the last one is shorter). */
  chunkLength(index: number): number {
    const start = index * this.meta.chunkSize
    return Math.min(this.meta.size, start + this.meta.chunkSize) - start
  }

  /** True while some request is writing into the upload (sweeping must wait). */
  get busy(): boolean {
    return this.claims.size > 0
  }

  /** Reserves chunk `index` for writing; false when it is held or someone else is writing it. */
  claim(index: number): boolean {
    if (this.removed || this.received.has(index) || this.claims.has(index)) return false
    this.claims.add(index)
    return true
  }

  release(index: number): void {
    this.claims.delete(index)
  }

  /** Bytes of chunk `index` held from its start by a cut request (0 when none). */
  partialOf(index: number): number {
    return this.partials.get(index) ?? 0
  }

  /** The partly written chunks, by index, for the status answer. */
  partialChunks(): Array<{ index: number; offset: number }> {
    return [...this.partials]
      .sort(([a], [b]) => a - b)
      .map(([index, offset]) => ({ index, offset }))
  }

  /**
   * Records that a request holding chunk `index`'s claim ended after writing its bytes up to
   * `offset` (from the chunk's start, contiguously, and on disk); 0 forgets the chunk.
   */
  setPartial(index: number, offset: number): void {
    if (this.removed || this.received.has(index) || offset <= 0) this.partials.delete(index)
    else this.partials.set(index, Math.min(offset, this.chunkLength(index) - 1))
  }

  /** Records a fully written chunk; the caller persists (now or batched). */
  markReceived(index: number, now = Date.now()): void {
    if (this.removed) return
    this.partials.delete(index)
    this.received.add(index)
    this.meta.expiresAt = Math.max(this.meta.expiresAt, now + this.expiresInMs)
    if (index === 0 || this.received.has(index - 1)) void this.prefix.advance()
  }

  isExpired(now = Date.now()): boolean {
    return now > this.meta.expiresAt
  }

  /**
   * Writes the meta file. Calls made while a write runs share one follow-up write, which
   * captures everything recorded until it starts: never more than one write in flight and
   * one queued per upload, however many chunks arrive.
   */
  persist(): Promise<void> {
    this.cancelTimer()
    if (this.queued) return this.queued
    if (!this.writing) return this.startWrite()
    this.queued = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = null
        return this.startWrite()
      })
    return this.queued
  }

  /** Persists within {@link PERSIST_DELAY_MS}: for the stream route, where chunks land fast. */
  schedulePersist(): void {
    if (this.timer || this.removed) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.persist().catch(() => undefined) // a failed batch is retried by the next persist
    }, PERSIST_DELAY_MS)
    this.timer.unref()
  }

  /**
   * True when the part is known durable: its directory entry and the bytes of every held
   * chunk (a meta write synced them after the last chunk landed). Held chunks are never
   * rewritten, so it cannot go stale. False after a restart until the next meta write.
   */
  get partDurable(): boolean {
    return this.partListed && this.syncedChunks === this.received.size
  }

  /** Stops all persistence and waits for a write in flight, before the files are removed. */
  async retire(): Promise<void> {
    this.removed = true
    this.prefix.stop()
    this.cancelTimer()
    await Promise.allSettled([this.writing, this.queued])
  }

  private startWrite(): Promise<void> {
    if (this.removed) return Promise.resolve()
    // Chunks recorded so far were written before this point; they reach the disk before a
    // meta that claims them does, so a power cut can never leave a claimed chunk a hole.
    const received = this.received.ranges()
    const held = this.received.size
    this.writing = (async () => {
      if (this.removed) return
      // Nothing new since the last sync (a persist with no new chunk): no need to sync again.
      const synced = held > this.syncedChunks ? syncData(this.partPath) : undefined
      this.meta.received = received
      // The part's sync runs beside the meta's; the meta replaces the old one only after both.
      await writeJsonAtomic(this.metaPath, this.meta, { after: synced })
      this.syncedChunks = Math.max(this.syncedChunks, held)
      this.partListed = true
    })().finally(() => {
      this.writing = null
    })
    return this.writing
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}
