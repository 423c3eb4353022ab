/**
 * Control requests (create, complete, sign a part…) carry a few hundred bytes of JSON. A
 * client that trickles them a byte at a time would otherwise hold a request, and whatever
 * it waits on, until the listener's idle timeout, minutes later: their bodies must arrive
 * whole within a short deadline of their own.
 */

/** Default deadline for a whole control body, from the moment the route starts reading it. */
export const DEFAULT_CONTROL_BODY_TIMEOUT_MS = 10_000

/** Why a control body could not be read; each endpoint answers it in its own error shape. */
export class ControlBodyError extends Error {
  constructor(
    readonly reason: 'too-large' | 'timeout' | 'broken',
    message: string,
  ) {
    super(message)
    this.name = 'ControlBodyError'
  }
}

/**
 * The answer to a body that missed its deadline closes the connection: the client may still
 * be trickling, and the rest of its body is not worth reading.
 */
export const CLOSE_CONNECTION = { connection: 'close' } as const

/**
 * Reads a whole control body, never holding more than `limit` bytes nor waiting longer than
 * `timeoutMs` for it. A declared Content-Length over the limit is refused before reading.
 */
export async function readControlBody(
  request: Request,
  limit: number,
  timeoutMs = DEFAULT_CONTROL_BODY_TIMEOUT_MS,
): Promise<Buffer> {
  const tooLarge = () =>
    new ControlBodyError('too-large', `a control body may hold at most ${limit} bytes`)
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) throw tooLarge()
  if (!request.body) return Buffer.alloc(0)
  const reader = request.body.getReader()
  let late = false
  const timer = setTimeout(() => {
    late = true
    void reader.cancel().catch(() => undefined) // settles the pending read
  }, timeoutMs)
  timer.unref()
  const pieces: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>
      try {
        result = await reader.read()
      } catch {
        if (late) break
        throw new ControlBodyError('broken', 'the body could not be read')
      }
      if (late) break
      if (result.done) return Buffer.concat(pieces)
      total += result.value.byteLength
      if (total > limit) {
        void reader.cancel().catch(() => undefined)
        throw tooLarge()
      }
      pieces.push(result.value)
    }
    throw new ControlBodyError('timeout', `the body did not arrive within ${timeoutMs} ms`)
  } finally {
    clearTimeout(timer)
  }
}
