import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { nodeRequestBody } from './node-body'
import type { FetchHandler } from './router'

/** Default of {@link ServeOptions.headersTimeoutMs}. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Interface to listen on (default `127.0.0.1`: the reference server is not for the open network). */
  host?: string
  /** Port (default 0: any free port). */
  port?: number
  /**
   * A connection with no traffic for this long is closed (default 5 min). Bodies of many
   * GiB take long, so there is no limit on a whole request, only on silence.
   */
  idleTimeoutMs?: number
  /**
   * A request's line and headers must arrive whole within this long (default 10 s), or
   * node:http answers 408 and closes the connection. Headers come before the route is known,
   * so this one deadline guards control and data requests alike; a browser sends them in
   * one packet, a client trickling them a byte at a time is cut here.
   */
  headersTimeoutMs?: number
  /**
   * How many reverse proxies in front of this server to believe (default 0: none). Behind
   * a proxy every request comes from the proxy's address, so every anonymous client would
   * share one identity and one per-address cap; with `trustedProxies: 1` the client address
   * is the last `X-Forwarded-For` entry, the one your proxy appended. Only set it when the
   * proxy overwrites or appends that header: a client can send any `X-Forwarded-For`.
   */
  trustedProxies?: number
}

/** A running listener. */
export interface Listening {
  /** `http://host:port`, without a trailing slash. */
  url: string
  port: number
  /** Stops listening and closes every connection, idle or active. */
  close(): Promise<void>
}

/**
 * Serves a web-standard handler over node:http. Client disconnects reach the handler as
 * an error of the request body stream and as an abort of `request.signal`.
 */
export function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<Listening> {
  const host = options.host ?? '127.0.0.1'
  // Requests still being handled; close() waits for them so no write outlives the server.
  const active = new Set<Promise<void>>()
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
  // node:http checks the headers deadline on this interval (30 s by default), so the
  // deadline would be missed by up to that much.
  const connectionsCheckingInterval = Math.min(1000, Math.max(20, headersTimeoutMs / 4))
  const server = createServer({ connectionsCheckingInterval }, (req, res) => {
    const done = bridge(handler, req, res, origin, options.trustedProxies ?? 0).catch(
      (error: unknown) => {
        console.error('[reference-server] could not answer', error)
        res.destroy()
      },
    )
    active.add(done)
    void done.finally(() => active.delete(done))
  })
  server.requestTimeout = 0
  server.headersTimeout = headersTimeoutMs
  server.timeout = options.idleTimeoutMs ?? 5 * 60 * 1000
  let origin = ''
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      const { port } = server.address() as AddressInfo
      origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
      const close = async (): Promise<void> => {
        const closed = new Promise<void>((done) => server.close(() => done()))
        server.closeAllConnections()
        await closed
        await Promise.allSettled([...active])
      }
      resolve({ url: origin, port, close })
    })
  })
}

/**
 * A node:http request listener for a web-standard handler: what mounts the reference
 * server in `http.createServer(listener)`, Express (`app.use('/http', listener)`), Fastify
 * (`listener(request.raw, reply.raw)` after `reply.hijack()`) or any Connect-style app.
 * The path is read from Express's `originalUrl` when there is one, so a mount path is not
 * stripped; the request's URL is built from the socket's local address, never from the
 * client's Host header. Unmatched paths get the handler's JSON 404, not `next()`.
 * Behind a reverse proxy, `trustedProxies` works as in {@link ServeOptions}.
 */
export function createNodeListener(
  handler: FetchHandler,
  options: Pick<ServeOptions, 'trustedProxies'> = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const { localAddress = '127.0.0.1', localPort } = req.socket
    const host = localAddress.includes(':') ? `[${localAddress}]` : localAddress
    const origin = `http://${host}:${localPort}`
    bridge(handler, req, res, origin, options.trustedProxies ?? 0).catch((error: unknown) => {
      console.error('[reference-server] could not answer', error)
      res.destroy()
    })
  }
}

async function bridge(
  handler: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  trustedProxies: number,
): Promise<void> {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  req.once('close', () => {
    if (!req.complete) controller.abort()
  })
  // Express strips its mount path from `url` and keeps the full one in `originalUrl`.
  const rawUrl = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/'
  const method = req.method ?? 'GET'
  const body = method === 'GET' || method === 'HEAD' ? null : nodeRequestBody(req)
  let request: Request
  try {
    // The URL is built from our own origin, never the client's Host header; only an
    // origin-form target is accepted, so `//evil/x` stays a path.
    if (!rawUrl.startsWith('/')) throw new Error('not an origin-form request target')
    const headers = new Headers()
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1])
    const init = { method, headers, body: body?.stream, duplex: 'half', signal: controller.signal }
    request = new Request(origin + rawUrl, init as RequestInit)
  } catch {
    body?.discard()
    return send(errorJson(400, 'bad-request', 'malformed request'), res)
  }
  let response: Response
  try {
    response = await handler(request, { clientAddress: clientAddress(req, trustedProxies) })
  } catch (error) {
    console.error('[reference-server] handler failed', error)
    response = errorJson(500, 'internal', 'the server failed; try again later')
  }
  body?.discard()
  await send(response, res)
}

/**
 * The client's address: the socket's peer, or with `trusted` proxies in front, the entry of
 * `X-Forwarded-For` that the outermost trusted proxy appended (entries left of it are the
 * client's own claims).
 */
export function clientAddress(req: IncomingMessage, trusted: number): string | undefined {
  const peer = req.socket.remoteAddress
  if (trusted <= 0) return peer
  const header = req.headers['x-forwarded-for']
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '')
  return hops.length >= trusted ? hops[hops.length - trusted] : (hops[0] ?? peer)
}

const errorJson = (status: number, code: string, message: string): Response =>
  new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })

async function send(response: Response, res: ServerResponse): Promise<void> {
  if (res.destroyed) return
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  if (response.statusText) res.writeHead(response.status, response.statusText, headers)
  else res.writeHead(response.status, headers)
  if (!response.body) {
    res.end()
    return
  }
  try {
    for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (res.destroyed) break
      if (!res.write(piece)) await drained(res)
    }
    res.end()
  } catch {
    res.destroy()
  }
}

/** Resolves when the response can take more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
