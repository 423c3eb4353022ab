import type { FileHandle } from 'node:fs/promises'

/**
 * Network reads arrive in ~64 KiB pieces; writing each one costs a syscall and a thread-pool
 * round trip. Pieces are gathered into batches of this many bytes and written with one
 * `writev`, without copying them.
 */
export const BATCH_BYTES = 2 * 1024 * 1024
/** Linux's IOV_MAX: one writev never takes more buffers than this. */
const MAX_PIECES = 1024

/**
 * Positional, batched writes into one file. At most one write is in flight while the next
 * batch fills, so the network and the disk work in parallel and memory stays at about two
 * batches. Every piece of one batch must be contiguous.
 */
export class BatchWriter {
  private pieces: Uint8Array[] = []
  private bytes = 0
  private start = 0
  private inFlight: Promise<void> = Promise.resolve()

  constructor(private readonly handle: FileHandle) {}

  /** Queues `piece` to be written at `position` (directly after the previous piece, if any). */
  append(piece: Uint8Array, position: number): void {
    if (this.bytes === 0) this.start = position
    this.pieces.push(piece)
    this.bytes += piece.byteLength
  }

  /** True when the pending batch should be written now. */
  get full(): boolean {
    return this.bytes >= BATCH_BYTES || this.pieces.length >= MAX_PIECES
  }

  /**
   * Waits for the previous write (rethrowing its failure), then starts writing the pending
   * batch. `onWritten` runs once this batch is on disk (or at once when nothing is pending).
   */
  async flush(onWritten?: () => void): Promise<void> {
    await this.inFlight
    const pieces = this.pieces
    const start = this.start
    this.pieces = []
    this.bytes = 0
    const write = pieces.length > 0 ? writeAll(this.handle, pieces, start) : Promise.resolve()
    this.inFlight = onWritten ? write.then(onWritten) : write
    this.inFlight.catch(() => undefined) // observed by the next flush or settle
  }

  /** Writes what is pending and waits until every write is done. */
  async settle(onWritten?: () => void): Promise<void> {
    await this.flush(onWritten)
    await this.inFlight
  }
}

/** writev until every byte is written (a regular file may take fewer bytes per call). */
async function writeAll(handle: FileHandle, pieces: Uint8Array[], position: number): Promise<void> {
  let remaining = pieces
  let at = position
  for (;;) {
    const total = remaining.reduce((sum, piece) => sum + piece.byteLength, 0)
    const { bytesWritten } = await handle.writev(remaining, at)
    if (bytesWritten >= total) return
    if (bytesWritten <= 0) throw new Error('write made no progress')
    at += bytesWritten
    remaining = skipBytes(remaining, bytesWritten)
  }
}

function skipBytes(pieces: Uint8Array[], count: number): Uint8Array[] {
  let left = count
  const out: Uint8Array[] = []
  for (const piece of pieces) {
    if (left >= piece.byteLength) left -= piece.byteLength
    else {
      out.push(left > 0 ? piece.subarray(left) : piece)
      left = 0
    }
  }
  return out
}
