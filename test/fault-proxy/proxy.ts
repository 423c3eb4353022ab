import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { Socket } from 'node:net'
import type { Transform } from 'node:stream'
import {
  answerAfterBody,
  cutPoint,
  EXPIRED_XML,
  FAILED_JSON,
  GATEWAY_HTML,
  Throttle,
  TOO_MANY_JSON,
} from './answers'
import { FaultScenario, type Fault } from './scenario'

export interface FaultProxyOptions {
  /** Port of the server behind the proxy, on 127.0.0.1 (change it with `setTarget`). */
  readonly targetPort: number
  /** Which faults to inject; default: none (a plain proxy until faults are scripted). */
  readonly scenario?: FaultScenario
  /** A stalled request is dropped after this long if the client has not given up. @default 120000 */
  readonly stallMaxMs?: number
  /**
   * Keep client connections open between requests. With `false` every answer says
   * `Connection: close`, so each request has a fresh connection and a cut always reaches the
   * page as a network error: Chromium silently sends a request again when a *reused*
   * connection drops before any byte of the answer. @default true
   */
  readonly keepAlive?: boolean
}

/**
 * An HTTP proxy on 127.0.0.1 (port 0) in front of one server, injecting the faults its
 * scenario decides: cut mid-body, 500/502/503, 429 with Retry-After, stall, latency,
 * throttled bandwidth, S3's expired presigned URL. The Host header is forwarded as the
 * client sent it, so presigned S3 URLs (signed over Host) and tus Location headers (built
 * from Host) keep pointing at the proxy. While the server is down (a restart), requests
 * get a 502 like any gateway's.
 */
export class FaultProxy {
  readonly scenario: FaultScenario
  /** Request body bytes received from clients (re-sent bytes included). */
  bytesReceived = 0
  /** The part of `bytesReceived` that came in PUT and PATCH bodies (file bytes). */
  bodyBytes = 0
  /** Requests answered 502 because the server behind was unreachable (not injected). */
  upstreamDown = 0
  port = 0
  private targetPort: number
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly stallMaxMs: number

  constructor(options: FaultProxyOptions) {
    this.targetPort = options.targetPort
    this.scenario = options.scenario ?? new FaultScenario({ seed: 0 })
    this.stallMaxMs = options.stallMaxMs ?? 120_000
    const keepAlive = options.keepAlive ?? true
    this.server = createServer((req, res) => {
      if (!keepAlive) res.shouldKeepAlive = false
      this.handle(req, res)
    })
    this.server.requestTimeout = 0
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
    return this.url
  }

  /** Points the proxy at another port (the server restarted elsewhere). */
  setTarget(port: number): void {
    this.targetPort = port
  }

  /** A short line of what was injected, by kind. */
  summary(): string {
    const parts = Object.entries(this.scenario.counts)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => `${kind}×${count}`)
    return parts.length > 0 ? parts.join(' ') : 'no faults'
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const fault = this.scenario.decide({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
    })
    if (!fault) return this.forward(req, res)
    this.inject(fault, req, res)
  }

  /** Counts the body as it is read; added only when it is read, so a delayed body waits. */
  private count(req: IncomingMessage): void {
    const upload = req.method === 'PUT' || req.method === 'PATCH'
    req.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length
      if (upload) this.bodyBytes += chunk.length
    })
  }

  private inject(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
    if (fault.kind !== 'cut' && fault.kind !== 'latency' && fault.kind !== 'throttle') {
      this.count(req)
    }
    switch (fault.kind) {
      case 'cut':
        return this.forward(req, res, { cutAt: cutPoint(req, fault.fraction) })
      case 'latency':
        return this.later(() => this.forward(req, res), fault.ms)
      case 'throttle':
        return this.forward(req, res, {
          throttle: new Throttle(fault.bytesPerSecond, fault.forMs),
        })
      case 'stall': {
        req.resume()
        const timer = setTimeout(() => res.destroy(), this.stallMaxMs)
        this.timers.add(timer)
        res.on('close', () => {
          clearTimeout(timer)
          this.timers.delete(timer)
        })
        return
      }
      case '429':
        return answerAfterBody(req, res, 429, 'application/json', TOO_MANY_JSON, {
          'retry-after': String(fault.retryAfterS),
        })
      case 'expired':
        return answerAfterBody(req, res, 403, 'application/xml', EXPIRED_XML)
      case '502':
        return answerAfterBody(req, res, 502, 'text/html', GATEWAY_HTML)
      case '500':
      case '503':
        return answerAfterBody(req, res, Number(fault.kind), 'application/json', FAILED_JSON)
    }
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    how: { cutAt?: number; throttle?: Transform } = {},
  ): void {
    const upstream = httpRequest({
      host: '127.0.0.1',
      port: this.targetPort,
      method: req.method,
      path: req.url,
      // As received, Host included: S3 checks its signature over it, tus builds URLs from it.
      headers: req.headers,
      agent: false,
    })
    this.count(req)
    const drop = () => {
      upstream.destroy()
      res.destroy()
    }
    upstream.on('response', (answer) => {
      if (res.destroyed) return answer.destroy()
      // Hop-by-hop headers are this connection's business, not the server's.
      const { connection: _connection, 'keep-alive': _keepAlive, ...headers } = answer.headers
      res.writeHead(answer.statusCode ?? 502, headers)
      answer.pipe(res)
      answer.on('error', drop)
    })
    upstream.on('error', () => {
      if (res.headersSent || res.destroyed) return res.destroy()
      this.upstreamDown++
      answerAfterBody(req, res, 502, 'text/html', GATEWAY_HTML, { 'retry-after': '1' })
    })
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.on('error', drop)
    req.on('close', () => {
      if (!req.complete) upstream.destroy()
    })

    let body: NodeJS.ReadableStream = req
    if (how.throttle) body = req.pipe(how.throttle)
    if (how.cutAt === undefined) {
      body.pipe(upstream)
      return
    }
    const cutAt = how.cutAt
    let forwarded = 0
    if (cutAt <= 0) {
      // Nothing of the body goes through: the connection drops as the request arrives.
      setImmediate(drop)
      return
    }
    req.on('data', (chunk: Buffer) => {
      if (forwarded + chunk.length >= cutAt) {
        upstream.write(chunk.subarray(0, cutAt - forwarded), () => setImmediate(drop))
        forwarded = cutAt
        req.pause()
        return
      }
      forwarded += chunk.length
      if (!upstream.write(chunk)) {
        req.pause()
        upstream.once('drain', () => req.resume())
      }
    })
    req.on('end', () => upstream.end())
  }
}
