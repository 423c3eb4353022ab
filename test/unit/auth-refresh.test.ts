import { describe, expect, it } from 'vitest'
import { UploadError, type HttpRequest, type UploadEvents } from '../../src/core'
import { withAuthRefresh } from '../../src/core/auth-refresh'
import { createS3Protocol } from '../../src/protocols/s3'
import { createTusProtocol } from '../../src/protocols/tus'
import { toEngineOptions } from '../../src/vue/options'
import { FakeClock, settle } from '../fakes/fake-clock'
import {
  scriptedEngine,
  scriptedTusEngine,
  TUS_ENDPOINT as endpoint,
  TUS_HEADERS as TUS,
} from '../fakes/engine'
import { fileOf } from '../fakes/files'
import { ScriptedTransport } from '../fakes/scripted-transport'

/** A deferred refreshAuth: counts its calls, the test resolves or rejects them. */
function refresher() {
  const calls: { resolve: (h: Record<string, string>) => void; reject: (e: unknown) => void }[] = []
  const refresh = () =>
    new Promise<Record<string, string>>((resolve, reject) => calls.push({ resolve, reject }))
  return { refresh, calls }
}

const get = (url: string, headers?: Record<string, string>): HttpRequest => ({
  method: 'GET',
  url,
  headers,
  signal: new AbortController().signal,
})

describe('withAuthRefresh', () => {
  it('requests that meet 401 together share one refresh, then go again with its headers', async () => {
    const inner = new ScriptedTransport()
    const { refresh, calls } = refresher()
    const transport = withAuthRefresh(inner, refresh)
    const a = transport.request(get('/a', { Authorization: 'Bearer old' }))
    const b = transport.request(get('/b', { Authorization: 'Bearer old' }))
    ;(await inner.next()).respond({ status: 401 })
    ;(await inner.next()).respond({ status: 401 })
    await settle()
    expect(calls).toHaveLength(1)
    calls[0]!.resolve({ authorization: 'Bearer new' })
    const retryA = await inner.next()
    const retryB = await inner.next()
    // The refreshed header replaces the protocol's one of the same name in another case.
    expect(retryA.headers).toEqual({ authorization: 'Bearer new' })
    expect([retryA.url, retryB.url].sort()).toEqual(['/a', '/b'])
    retryA.respond({ status: 200, body: 'a' })
    retryB.respond({ status: 200, body: 'b' })
    expect((await a).status).toBe(200)
    expect((await b).status).toBe(200)
    // Later requests carry the refreshed headers from the start.
    const c = transport.request(get('/c', { 'x-other': '1' }))
    const later = await inner.next()
    expect(later.headers).toEqual({ 'x-other': '1', authorization: 'Bearer new' })
    later.respond({ status: 204 })
    expect((await c).status).toBe(204)
    expect(calls).toHaveLength(1)
  })

  it('a second 401 after a refresh reaches the protocol as it is, with no second refresh', async () => {
    const inner = new ScriptedTransport()
    const { refresh, calls } = refresher()
    const response = withAuthRefresh(inner, refresh).request(get('/a'))
    ;(await inner.next()).respond({ status: 401 })
    await settle()
    calls[0]!.resolve({ authorization: 'Bearer new' })
    ;(await inner.next()).respond({ status: 401, body: 'still stale' })
    expect(await response).toMatchObject({ status: 401, body: 'still stale' })
    expect(calls).toHaveLength(1)
    expect(inner.requests).toHaveLength(2)
  })

  it('a 401 to a request sent before another refresh finished is sent again without a new refresh', async () => {
    const inner = new ScriptedTransport()
    const { refresh, calls } = refresher()
    const transport = withAuthRefresh(inner, refresh)
    const a = transport.request(get('/a'))
    const b = transport.request(get('/b'))
    const sentA = await inner.next()
    const sentB = await inner.next()
    sentA.respond({ status: 401 })
    await settle()
    calls[0]!.resolve({ authorization: 'Bearer new' })
    const retryA = await inner.next()
    sentB.respond({ status: 401 })
    const retryB = await inner.next()
    expect(retryB.headers).toEqual({ authorization: 'Bearer new' })
    retryA.respond({ status: 200 })
    retryB.respond({ status: 200 })
    await Promise.all([a, b])
    expect(calls).toHaveLength(1)
  })

  it('a refreshAuth that throws rejects with a typed, final error carrying the cause', async () => {
    const inner = new ScriptedTransport()
    const { refresh, calls } = refresher()
    const response = withAuthRefresh(inner, refresh).request(get('/a'))
    ;(await inner.next()).respond({ status: 401 })
    await settle()
    const cause = new Error('session ended')
    calls[0]!.reject(cause)
    const error = await response.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UploadError)
    expect(error).toMatchObject({ code: 'rejected', status: 401, retryable: false, cause })
    expect(inner.requests).toHaveLength(1)
  })

  it('a request aborted while the refresh is pending rejects with the abort at once', async () => {
    const inner = new ScriptedTransport()
    const { refresh, calls } = refresher()
    const controller = new AbortController()
    const response = withAuthRefresh(inner, refresh).request({
      ...get('/a'),
      signal: controller.signal,
    })
    ;(await inner.next()).respond({ status: 401 })
    await settle()
    controller.abort()
    const error = await response.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'aborted' })
    expect(calls).toHaveLength(1)
    expect(inner.requests).toHaveLength(1)
  })

  it('leaves presigned (signedUrl) requests alone: no headers, no refresh on 401', async () => {
    const inner = new ScriptedTransport()
    const { refresh, calls } = refresher()
    const transport = withAuthRefresh(inner, refresh)
    const first = transport.request(get('/a'))
    ;(await inner.next()).respond({ status: 401 })
    await settle()
    calls[0]!.resolve({ authorization: 'Bearer new' })
    ;(await inner.next()).respond({ status: 200 })
    await first
    const put = transport.request({ ...get('https://bucket/part'), signedUrl: true })
    const sent = await inner.next()
    expect(sent.headers).toBeUndefined()
    sent.respond({ status: 401 })
    expect((await put).status).toBe(401)
    expect(calls).toHaveLength(1)
  })
})

function tusEngine(refreshAuth: () => Promise<Record<string, string>>) {
  const engine = scriptedTusEngine({ refreshAuth }, { headers: { authorization: 'Bearer old' } })
  const events: string[] = []
  const errors: UploadEvents['upload-error'][] = []
  engine.uploader.on('upload-success', () => events.push('success'))
  engine.uploader.on('upload-error', (payload) => {
    events.push(`error:${payload.error.code}`)
    errors.push(payload)
  })
  return { ...engine, events, errors }
}

describe('refreshAuth in the engine (tus)', () => {
  it('calls refreshAuth once for one 401 and finishes the upload with the new headers', async () => {
    let refreshes = 0
    const { uploader, transport, events } = tusEngine(() => {
      refreshes += 1
      return Promise.resolve({ authorization: 'Bearer new' })
    })
    uploader.add(fileOf(128 * 1024))
    ;(await transport.next()).respond({
      status: 204,
      headers: { ...TUS, 'tus-extension': 'creation' },
    })
    const create = await transport.next()
    expect(create.headers?.authorization).toBe('Bearer old')
    create.respond({ status: 401 })
    const again = await transport.next()
    expect(again.method).toBe('POST')
    expect(again.headers?.authorization).toBe('Bearer new')
    again.respond({ status: 201, headers: { location: `${endpoint}/a` } })
    for (const offset of [64 * 1024, 128 * 1024]) {
      const patch = await transport.next()
      expect(patch.method).toBe('PATCH')
      expect(patch.headers?.authorization).toBe('Bearer new')
      patch.respond({ status: 204, headers: { 'upload-offset': String(offset) } })
    }
    await settle()
    expect(events).toEqual(['success'])
    expect(refreshes).toBe(1)
  })

  it('a refreshAuth that throws fails the upload with rejected and the cause, no loop', async () => {
    const cause = new Error('login expired')
    let refreshes = 0
    const { uploader, transport, events, errors } = tusEngine(() => {
      refreshes += 1
      return Promise.reject(cause)
    })
    uploader.add(fileOf(128 * 1024))
    ;(await transport.next()).respond({
      status: 204,
      headers: { ...TUS, 'tus-extension': 'creation' },
    })
    ;(await transport.next()).respond({ status: 401 })
    await settle()
    expect(events).toEqual(['error:rejected'])
    expect(errors[0]!.error).toMatchObject({ status: 401, cause })
    expect(refreshes).toBe(1)
    expect(transport.open).toEqual([])
  })
})

describe('refreshAuth with S3 and in Vue', () => {
  it('S3: the signer request is refreshed, the presigned bucket PUT gets no app headers', async () => {
    const inner = new ScriptedTransport()
    const { refresh, calls } = refresher()
    const s3 = createS3Protocol({
      endpoint: 'http://127.0.0.1:1/s3',
      headers: { authorization: 'Bearer old' },
      verifyEtag: false,
    })
    const part = s3.uploadPart({
      transport: withAuthRefresh(inner, refresh),
      signal: new AbortController().signal,
      clock: new FakeClock(),
      remote: { id: 'u1', key: 'k' },
      plan: { size: 10, partSize: 10, count: 1 },
      parts: [],
      part: { index: 0, start: 0, end: 10 },
      start: 0,
      body: new Blob([new Uint8Array(10)]),
      onProgress: () => undefined,
    })
    ;(await inner.next()).respond({ status: 401 })
    await settle()
    calls[0]!.resolve({ authorization: 'Bearer new' })
    const sign = await inner.next()
    expect(sign.headers?.authorization).toBe('Bearer new')
    sign.respond({ json: { url: 'http://bucket.test/k?X-Amz-Signature=s', headers: {} } })
    const put = await inner.next()
    expect(put).toMatchObject({ method: 'PUT', signedUrl: true, headers: {} })
    put.respond({ status: 200, headers: { etag: '"abc"' } })
    expect(await part).toMatchObject({ index: 0, etag: 'abc' })
    expect(calls).toHaveLength(1)
  })

  it('refuses a refreshAuth that is not a function with invalid-option', () => {
    const options = { protocol: createTusProtocol({ endpoint }), refreshAuth: 'token' }
    expect(() => scriptedEngine(options as never)).toThrow(
      expect.objectContaining({
        code: 'invalid-option',
        params: expect.objectContaining({ option: 'refreshAuth' }),
      }),
    )
  })

  it('Vue: refreshAuth is handed to the engine as it is', () => {
    const refreshAuth = () => Promise.resolve({ authorization: 'Bearer new' })
    const protocol = createTusProtocol({ endpoint })
    expect(toEngineOptions({ refreshAuth }, protocol).refreshAuth).toBe(refreshAuth)
  })
})
