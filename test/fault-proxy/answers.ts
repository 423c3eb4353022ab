/** What the proxy answers by itself: canned failures, and a throttle for bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Transform, type TransformCallback } from 'node:stream'

/** Headers a page must read on answers the proxy makes up (the servers expose them too). */
const EXPOSED = 'Retry-After, ETag, Location, Upload-Offset, Upload-Length, Tus-Resumable'

export const EXPIRED_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>' +
  '<Message>Request has expired</Message><X-Amz-Expires>300</X-Amz-Expires>' +
  '<RequestId>FAULTPROXY</RequestId></Error>'

export const GATEWAY_HTML =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>' +
  '</center><hr><center>fault-proxy</center></body></html>'

/** Passes bytes on at `bytesPerSecond` until `forMs` after the first byte, then at once. */
export class Throttle extends Transform {
  private started = 0
  private sent = 0
  constructor(
    private readonly bytesPerSecond: number,
    private readonly forMs: number,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: string, done: TransformCallback): void {
    const now = Date.now()
    if (this.started === 0) this.started = now
    this.sent += chunk.length
    if (now - this.started > this.forMs) return done(null, chunk)
    const due = this.started + (this.sent / this.bytesPerSecond) * 1000
    const wait = Math.min(due, this.started + this.forMs) - now
    if (wait <= 0) return done(null, chunk)
    setTimeout(() => done(null, chunk), wait)
  }
}

export const FAILED_JSON = JSON.stringify({
  error: { code: 'fault-injected', message: 'the fault proxy failed this request' },
})
export const TOO_MANY_JSON = JSON.stringify({
  error: { code: 'rate-limited', message: 'slow down' },
})

/** Where a cut falls: that fraction of the declared body, at least one byte short of it. */
export function cutPoint(req: IncomingMessage, fraction: number): number {
  const length = Number(req.headers['content-length'] ?? 0)
  if (!Number.isFinite(length) || length <= 1) return 0
  return Math.min(length - 1, Math.floor(length * fraction))
}

export function reply(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const origin = req.headers.origin
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    ...(origin
      ? {
          'access-control-allow-origin': origin,
          'access-control-expose-headers': EXPOSED,
          vary: 'Origin',
        }
      : {}),
    ...headers,
  })
  res.end(body)
}

/** Reads the whole request body, as a server would, then answers. */
export function answerAfterBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const answer = () => {
    if (!res.destroyed) reply(req, res, status, type, body, headers)
  }
  if (req.complete) return answer()
  req.resume()
  req.on('end', answer)
}
