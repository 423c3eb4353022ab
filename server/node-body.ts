import type { IncomingMessage } from 'node:http'

/** Past this many unread bytes, a refused body is not worth draining: the socket is closed. */
export const DISCARD_LIMIT = 600 * 1024 * 1024
/** Bytes read ahead of the handler, so the socket keeps flowing while it awaits the disk. */
const READ_AHEAD = 1024 * 1024

/** A request body as a web stream, plus a way to throw away what nobody read. */
export interface NodeBody {
  stream: ReadableStream<Uint8Array>
  /**
   * Stops feeding the stream and reads and drops the rest of the body, so the answer can be
   * read on a kept-alive connection; destroys the socket past {@link DISCARD_LIMIT}.
   */
  discard(): void
}

/**
 * Bridges an IncomingMessage to a web ReadableStream with a bounded read-ahead.
 * `Readable.toWeb` is not used because a refused body must be drained, not destroyed:
 * its `cancel` destroys the socket (the client then sees a reset instead of our answer),
 * and its listeners cannot be detached to drain what is left. The listeners here are
 * attached once, not per read: reads come thousands of times a second.
 */
export function nodeRequestBody(req: IncomingMessage): NodeBody {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let open = true
  let discarding = false
  /** Why the body broke off, kept until the handler has read every byte that did arrive. */
  let failure: Error | null = null
  const queueEmpty = (): boolean => controller.desiredSize === READ_AHEAD

  const onData = (piece: Buffer): void => {
    controller.enqueue(piece)
    if ((controller.desiredSize ?? 0) <= 0) req.pause()
  }
  const onEnd = (): void => {
    detach()
    controller.close()
  }
  // Erroring a web stream drops its queue, so the error waits until the queue is read:
  // the handler must see every byte that arrived before the cut (whole chunks are kept).
  const onError = (error: Error): void => {
    detach()
    failure = error
    if (queueEmpty()) controller.error(error)
  }
  const onClose = (): void => {
    if (open) onError(new Error('the client disconnected before the body ended'))
  }
  const detach = (): void => {
    open = false
    req.off('data', onData)
    req.off('end', onEnd)
    req.off('error', onError)
    req.off('close', onClose)
  }

  const discard = (): void => {
    if (open) detach()
    if (discarding || req.complete || req.destroyed) return
    discarding = true
    let dropped = 0
    req.on('data', (piece: Buffer) => {
      dropped += piece.byteLength
      if (dropped > DISCARD_LIMIT) req.socket.destroy()
    })
    req.resume()
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c
        req.on('data', onData)
        req.on('end', onEnd)
        req.on('error', onError)
        req.on('close', onClose)
        req.pause()
      },
      // Called whenever the queue is below the read-ahead: let the socket flow again.
      pull: () => {
        if (open) req.resume()
        else if (failure && queueEmpty()) controller.error(failure)
      },
      cancel: () => discard(),
    },
    { highWaterMark: READ_AHEAD, size: (piece) => piece.byteLength },
  )
  return { stream, discard }
}
