/** The request body broke off: the client went away, or stopped sending. */
export class ClientGone extends Error {
  constructor(reason: string, cause?: unknown) {
    super(reason, { cause })
    this.name = 'ClientGone'
  }
}

/** Default for how long a body may send nothing before the server gives up on it. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000
/**
 * Bytes that count as progress: a body must send this much per stall period (0.5 KiB/s at
 * the default 30 s), so a trickle of one byte every few seconds cannot hold a chunk's claim.
 */
export const MIN_PROGRESS_BYTES = 16 * 1024

/**
 * Reads a request body piece by piece and gives up when it stalls. A client whose network
 * vanished sends neither bytes nor a FIN; without this its claim on the chunk being written
 * would block that chunk's retry until the socket's idle timeout, minutes later.
 * One timer per stall period, not per read: reads come thousands of times a second.
 */
export class BodyReader {
  private lastProgress = Date.now()
  private timer: NodeJS.Timeout | null = null
  private stalled = false
  /** Bytes read since progress was last counted. */
  private sinceProgress = 0
  /** A piece read ahead by {@link waitForData}, handed out by the next read. */
  private ahead: Uint8Array | null | undefined

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly stallTimeoutMs: number,
  ) {
    this.arm(stallTimeoutMs)
  }

  /** The next piece, or null at the end of the body. Throws {@link ClientGone}. */
  async read(): Promise<Uint8Array | null> {
    if (this.ahead !== undefined) {
      const piece = this.ahead
      this.ahead = undefined
      return piece
    }
    let result: ReadableStreamReadResult<Uint8Array>
    try {
      result = await this.reader.read()
    } catch (error) {
      throw new ClientGone('the client disconnected before the body ended', error)
    }
    if (this.stalled) throw new ClientGone(`the body sent nothing for ${this.stallTimeoutMs} ms`)
    this.sinceProgress += result.done ? MIN_PROGRESS_BYTES : result.value.byteLength
    if (this.sinceProgress >= MIN_PROGRESS_BYTES) {
      this.lastProgress = Date.now()
      this.sinceProgress = 0
    }
    return result.done ? null : result.value
  }

  /** Waits for the first piece (or the end), so nothing is opened for a body that never comes. */
  async waitForData(): Promise<void> {
    if (this.ahead === undefined) this.ahead = await this.read()
  }

  /** Stops reading a body we refuse; the server runtime decides how to discard the rest. */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined)
  }

  /** Ends the watchdog and releases the stream. */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.reader.releaseLock()
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.lastProgress
      if (idle < this.stallTimeoutMs) return this.arm(this.stallTimeoutMs - idle)
      this.stalled = true
      this.timer = null
      void this.cancel() // settles the pending read, which then throws ClientGone
    }, delay)
    this.timer.unref()
  }
}
