import { createHash, type Hash } from 'node:crypto'
import { open } from 'node:fs/promises'
import type { ChunkSet } from './chunk-set'

const READ_SIZE = 4 * 1024 * 1024

/**
 * MD5 of an upload's part file, computed while the upload runs: whenever the run of
 * chunks held from the start grows, the new bytes (still in the page cache) are folded into
 * a running hash. `complete` then only hashes what is left, usually nothing, instead of
 * reading a 20 GiB file back while the client waits. Memory only: after a restart it starts
 * again from byte 0, lazily.
 */
export class PrefixHasher {
  private hash: Hash = createHash('md5')
  private hashedUpTo = 0
  private nextChunk = 0
  private running: Promise<void> | null = null
  private stopped = false

  constructor(
    private readonly path: string,
    private readonly received: ChunkSet,
    private readonly size: number,
    private readonly chunkSize: number,
  ) {}

  /** Bytes of the contiguous run of held chunks from the start. */
  private prefixEnd(): number {
    while (this.nextChunk < this.received.count && this.received.has(this.nextChunk))
      this.nextChunk++
    return Math.min(this.size, this.nextChunk * this.chunkSize)
  }

  /** Hashes whatever the held prefix gained; one pass at a time, errors reset the hash. */
  advance(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async run(): Promise<void> {
    if (this.stopped || this.prefixEnd() <= this.hashedUpTo) return
    const handle = await open(this.path, 'r')
    try {
      const buffer = Buffer.allocUnsafe(READ_SIZE)
      let end = this.prefixEnd()
      while (!this.stopped && this.hashedUpTo < end) {
        const length = Math.min(READ_SIZE, end - this.hashedUpTo)
        const { bytesRead } = await handle.read(buffer, 0, length, this.hashedUpTo)
        if (bytesRead === 0) throw new Error('part file shorter than its held chunks')
        this.hash.update(buffer.subarray(0, bytesRead))
        this.hashedUpTo += bytesRead
        end = this.prefixEnd()
      }
    } catch {
      // The file went away (abort) or broke: start over if anyone asks again.
      this.hash = createHash('md5')
      this.hashedUpTo = 0
      this.nextChunk = 0
    } finally {
      await handle.close().catch(() => undefined)
    }
  }

  /** The whole file's MD5 once every byte is hashed, else undefined. */
  async digest(): Promise<string | undefined> {
    await this.advance()
    if (this.running) await this.running
    if (this.hashedUpTo !== this.size || this.stopped) return undefined
    return this.hash.copy().digest('hex')
  }

  stop(): void {
    this.stopped = true
  }
}
