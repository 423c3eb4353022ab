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
 * Reads a request body piece by piece and gives up when it stalls. A client whose network
 * vanished sends neither bytes nor a FIN; without this its claim on the chunk being written
 * would block that chunk's retry until the socket's idle timeout, minutes later.
 * One timer per stall period, not per read: reads come thousands of times a second.
 */
export class BodyReader {
  private lastProgress = Date.now()
  private timer: NodeJS.Timeout | null = null
  private stalled = false

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly stallTimeoutMs: number,
  ) {
    this.arm(stallTimeoutMs)
  }

  /** The next piece, or null at the end of the body. Throws {@link ClientGone}. */
  async read(): Promise<Uint8Array | null> {
    let result: ReadableStreamReadResult<Uint8Array>
    try {
      result = await this.reader.read()
    } catch (error) {
      throw new ClientGone('the client disconnected before the body ended', error)
    }
    if (this.stalled) throw new ClientGone(`the body sent nothing for ${this.stallTimeoutMs} ms`)
    this.lastProgress = Date.now()
    return result.done ? null : result.value
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
