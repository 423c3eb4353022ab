/**
 * The fault-injection proxy (test/fault-proxy) itself: each fault kind as a real client
 * sees it (Node's fetch, the AWS SDK's presigned URLs against the local S3), the Host
 * header kept, and the seeded scenario replayable and bounded.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { createS3Client } from '../../server/s3'
import { startLocalS3, type LocalS3 } from '../../server/s3-local'
import { partError } from '../../src/protocols/s3/errors'
import { FaultProxy, FaultScenario, type Fault, type RequestInfo } from '../fault-proxy'
import { MiB } from '../fakes/files'

/** Reads every body and answers what it saw; records bodies that were cut. */
interface Echo {
  server: Server
  port: number
  received: number[]
  aborted: number[]
}

async function startEcho(): Promise<Echo> {
  const echo: Echo = { server: createServer(), port: 0, received: [], aborted: [] }
  echo.server.on('request', (req, res) => {
    let bytes = 0
    req.on('data', (chunk: Buffer) => (bytes += chunk.length))
    req.on('close', () => {
      if (!req.complete) echo.aborted.push(bytes)
    })
    req.on('end', () => {
      echo.received.push(bytes)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ bytes, host: req.headers.host }))
    })
  })
  await new Promise<void>((resolve) => echo.server.listen(0, '127.0.0.1', resolve))
  echo.port = (echo.server.address() as { port: number }).port
  return echo
}

const body = (size: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(size))

describe('fault proxy: each fault as a real client sees it', () => {
  let echo: Echo
  let proxy: FaultProxy
  beforeAll(async () => {
    echo = await startEcho()
    proxy = new FaultProxy({ targetPort: echo.port, stallMaxMs: 10_000 })
    await proxy.listen()
  })
  afterAll(async () => {
    await proxy?.close()
    echo?.server.closeAllConnections()
    await new Promise((resolve) => echo?.server.close(resolve))
  })

  const put = (bytes: Uint8Array<ArrayBuffer>, init: RequestInit = {}) =>
    fetch(`${proxy.url}/thing`, { method: 'PUT', body: bytes, ...init })
  const script = (fault: Fault) => proxy.scenario.script(fault)

  it('forwards untouched requests with their Host header and counts the body bytes', async () => {
    const before = proxy.bytesReceived
    const answer = await put(body(MiB))
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ bytes: MiB, host: `127.0.0.1:${proxy.port}` })
    expect(proxy.bytesReceived - before).toBe(MiB)
  })

  it('cuts a request mid-body: the client gets a network error, the server a partial body', async () => {
    script({ kind: 'cut', fraction: 0.5 })
    const abortedBefore = echo.aborted.length
    await expect(put(body(4 * MiB))).rejects.toThrow()
    await expect.poll(() => echo.aborted.length).toBe(abortedBefore + 1)
    const got = echo.aborted.at(-1)!
    expect(got).toBeGreaterThan(0)
    expect(got).toBeLessThan(4 * MiB)
    expect(proxy.scenario.counts.cut).toBe(1)
  })

  it('answers 500 and 503 as JSON and 502 as a gateway page, after reading the body', async () => {
    const receivedBefore = echo.received.length
    for (const kind of ['500', '502', '503'] as const) {
      script({ kind })
      const answer = await put(body(64 * 1024))
      expect(answer.status).toBe(Number(kind))
      const text = await answer.text()
      if (kind === '502') expect(text).toContain('<h1>502 Bad Gateway</h1>')
      else expect(JSON.parse(text).error.code).toBe('fault-injected')
    }
    // None of them reached the server.
    expect(echo.received.length).toBe(receivedBefore)
  })

  it('answers 429 with Retry-After, readable by a page (CORS)', async () => {
    script({ kind: '429', retryAfterS: 2 })
    const answer = await put(body(10), { headers: { origin: 'http://127.0.0.1:5173' } })
    expect(answer.status).toBe(429)
    expect(answer.headers.get('retry-after')).toBe('2')
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173')
    expect(answer.headers.get('access-control-expose-headers')).toContain('Retry-After')
  })

  it('stalls: takes the whole body and never answers, until the client gives up', async () => {
    script({ kind: 'stall' })
    const before = proxy.bytesReceived
    const receivedBefore = echo.received.length
    await expect(put(body(MiB), { signal: AbortSignal.timeout(1500) })).rejects.toThrow(
      /timeout|abort/i,
    )
    expect(proxy.bytesReceived - before).toBe(MiB)
    expect(echo.received.length).toBe(receivedBefore)
  })

  it('adds latency before forwarding; the answer is the server’s', async () => {
    script({ kind: 'latency', ms: 400 })
    const started = performance.now()
    const answer = await put(body(1000))
    // A lower bound only: the injected delay is part of the request's life.
    expect(performance.now() - started).toBeGreaterThanOrEqual(390)
    expect(await answer.json()).toMatchObject({ bytes: 1000 })
  })

  it('throttles the body, then forwards it whole', async () => {
    script({ kind: 'throttle', bytesPerSecond: 256 * 1024, forMs: 1000 })
    const started = performance.now()
    const answer = await put(body(512 * 1024))
    // 512 KiB at 256 KiB/s for the first second: the body cannot be through before that.
    expect(performance.now() - started).toBeGreaterThanOrEqual(900)
    expect(await answer.json()).toMatchObject({ bytes: 512 * 1024 })
  })

  it('answers 502 with Retry-After while the server behind is down, then forwards again', async () => {
    const echoPort = echo.port
    proxy.setTarget(1) // nothing listens on port 1
    const down = await put(body(100))
    expect(down.status).toBe(502)
    expect(down.headers.get('retry-after')).toBe('1')
    expect(proxy.upstreamDown).toBe(1)
    proxy.setTarget(echoPort)
    expect((await put(body(100))).status).toBe(200)
  })
})

describe('fault proxy without keep-alive', () => {
  it('closes every connection after its answer, so no request reuses one', async () => {
    const echo = await startEcho()
    const proxy = new FaultProxy({ targetPort: echo.port, keepAlive: false })
    await proxy.listen()
    try {
      const answer = await fetch(`${proxy.url}/x`, { method: 'PUT', body: body(10) })
      expect(answer.status).toBe(200)
      expect(answer.headers.get('connection')).toBe('close')
      await answer.text()
    } finally {
      await proxy.close()
      echo.server.closeAllConnections()
      await new Promise((resolve) => echo.server.close(resolve))
    }
  })
})

describe('fault proxy in front of the local S3: presigned URLs and their expiry', () => {
  let s3: LocalS3
  let proxy: FaultProxy
  let signer: ReturnType<typeof createS3Client>
  beforeAll(async () => {
    s3 = await startLocalS3({ minPartSize: 64 * 1024 })
    proxy = new FaultProxy({ targetPort: Number(new URL(s3.endpoint).port) })
    await proxy.listen()
    // The signer's public endpoint is the proxy: URLs are signed over the proxy's Host.
    signer = createS3Client({
      endpoint: proxy.url,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
    })
  })
  afterAll(async () => {
    signer?.destroy()
    await proxy?.close()
    await s3?.close()
  })

  async function partUrl(signingDate?: Date) {
    const key = `k/${randomBytes(4).toString('hex')}`
    const { UploadId } = await signer.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
    )
    return getSignedUrl(
      signer,
      new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: 1 }),
      { expiresIn: 60, signingDate },
    )
  }

  it('passes presigned part PUTs through (the signature over Host holds)', async () => {
    const url = await partUrl()
    expect(new URL(url).port).toBe(String(proxy.port))
    const answer = await fetch(url, { method: 'PUT', body: body(1000) })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/)
  })

  it('makes a valid URL look expired exactly as S3 says it, and the library signs again', async () => {
    const isPart = (request: RequestInfo) =>
      request.method === 'PUT' && request.url.includes('partNumber=')
    proxy.scenario.script({ kind: 'expired' }, isPart)
    const injected = await fetch(await partUrl(), { method: 'PUT', body: body(1000) })
    const injectedText = await injected.text()
    // What the real local S3 answers for a URL that did expire.
    const real = await fetch(await partUrl(new Date(Date.now() - 120_000)), {
      method: 'PUT',
      body: body(1000),
    })
    const realText = await real.text()
    expect([injected.status, real.status]).toEqual([403, 403])
    const code = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1]
    expect(code(injectedText)).toBe(code(realText))
    expect(injectedText).toContain('Request has expired')
    expect(realText).toContain('Request has expired')
    const error = partError({ status: 403, headers: {}, body: injectedText }, Date.now(), 1)
    expect(error).toMatchObject({ code: 'expired', retryable: true })
    expect(proxy.scenario.counts.expired).toBe(1)
  })
})

describe('fault scenario: seeded, replayable, bounded', () => {
  const requests: RequestInfo[] = Array.from({ length: 300 }, (_, i) => ({
    method: i % 3 === 0 ? 'POST' : 'PUT',
    url: `/uploads/x/chunks/${i}`,
    headers: {},
  }))
  const kinds = { cut: 1, '500': 1, '429': 1, stall: 1, latency: 1 } as const
  const run = (scenario: FaultScenario) => requests.map((r) => scenario.decide(r)?.kind ?? '-')

  it('gives the same faults to the same requests for the same seed, others for another', () => {
    const a = run(new FaultScenario({ seed: 42, probability: 0.3, kinds }))
    const b = run(new FaultScenario({ seed: 42, probability: 0.3, kinds }))
    const c = run(new FaultScenario({ seed: 43, probability: 0.3, kinds }))
    expect(a).toEqual(b)
    expect(c).not.toEqual(a)
    const injected = a.filter((kind) => kind !== '-').length
    expect(injected).toBeGreaterThan(30)
    expect(injected).toBeLessThan(150)
  })

  it('stops after maxFaults, after activeForMs, and never faults a preflight', () => {
    const counted = new FaultScenario({ seed: 1, probability: 1, kinds, maxFaults: 7 })
    expect(run(counted).filter((kind) => kind !== '-')).toHaveLength(7)
    expect(Object.values(counted.counts).reduce((a, b) => a + b, 0)).toBe(7)

    let now = 0
    const timed = new FaultScenario({
      seed: 1,
      probability: 1,
      kinds,
      activeForMs: 1000,
      now: () => now,
    })
    expect(timed.decide(requests[0])).toBeDefined()
    now = 1001
    expect(timed.decide(requests[1])).toBeUndefined()
    expect(timed.decide({ method: 'OPTIONS', url: '/x', headers: {} })).toBeUndefined()
    expect(timed.log.map((entry) => entry.path)).toEqual(['/uploads/x/chunks/0'])
  })
})
