/**
 * A 404 on create means the endpoint is wrong (e.g. `endpoint: '/uploads'`, which posts to
 * `/uploads/uploads`), not that an upload was forgotten: each protocol says
 * `endpoint-not-found` with the URL it tried, in words an end user and a developer can act on.
 */
import { describe, expect, it } from 'vitest'
import type { CreateRequest, UploadError, UploadProtocol } from '../../src/core'
import { createHttpProtocol } from '../../src/protocols/http'
import { createS3Protocol } from '../../src/protocols/s3'
import { createTusProtocol } from '../../src/protocols/tus'
import { formatError } from '../../src/locales'
import { FakeClock } from '../fakes/fake-clock'
import { ScriptedTransport } from '../fakes/scripted-transport'

const plan = { size: 600 * 1024, partSize: 256 * 1024, count: 3 }
const NOT_FOUND = { status: 404, json: { error: { code: 'not-found', message: 'no such route' } } }

function create(protocol: UploadProtocol, transport: ScriptedTransport) {
  const request: CreateRequest = {
    transport,
    signal: new AbortController().signal,
    clock: new FakeClock(),
    file: { name: 'a.bin', size: plan.size, type: '', lastModified: 1 },
    fingerprint: 'fp',
    plan,
    metadata: {},
  }
  return protocol.create(request).then(
    () => {
      throw new Error('create succeeded')
    },
    (error: unknown) => error as UploadError,
  )
}

describe('create answered 404: endpoint-not-found', () => {
  it('HTTP chunk protocol: names the URL it posted to', async () => {
    const transport = new ScriptedTransport()
    const failing = create(createHttpProtocol({ endpoint: '/uploads' }), transport)
    const request = await transport.next()
    expect(request.url).toBe('/uploads/uploads')
    request.respond(NOT_FOUND)
    const error = await failing
    expect([error.code, error.retryable, error.status]).toEqual(['endpoint-not-found', false, 404])
    expect(error.params.url).toBe('/uploads/uploads')
    expect(error.message).toContain('/uploads/uploads')
  })

  it('tus: the creation POST answered 404', async () => {
    const transport = new ScriptedTransport()
    const failing = create(createTusProtocol({ endpoint: 'http://127.0.0.1:1/nope' }), transport)
    ;(await transport.next()).respond(NOT_FOUND) // OPTIONS: a 4xx is taken as a plain server
    const post = await transport.next()
    expect(post.method).toBe('POST')
    post.respond(NOT_FOUND)
    const error = await failing
    expect([error.code, error.retryable]).toEqual(['endpoint-not-found', false])
    expect(error.params.url).toBe('http://127.0.0.1:1/nope')
  })

  it('S3 signer: the create POST answered 404', async () => {
    const transport = new ScriptedTransport()
    const failing = create(createS3Protocol({ endpoint: 'http://127.0.0.1:1/x' }), transport)
    ;(await transport.next()).respond(NOT_FOUND)
    const error = await failing
    expect([error.code, error.retryable]).toEqual(['endpoint-not-found', false])
    expect(error.params.url).toBe('http://127.0.0.1:1/x/uploads')
  })

  it('has its own message in en and zh-CN, not "the server no longer knows this upload"', () => {
    const error = { code: 'endpoint-not-found' as const, params: {} }
    expect(formatError(error, 'en')).toBe(
      "The upload service was not found at its address. Please tell the site's developers.",
    )
    expect(formatError(error, 'zh-CN')).toBe('在所配置的地址上找不到上传服务，请告知网站开发人员。')
    expect(formatError(error, 'en')).not.toBe(formatError({ code: 'not-found', params: {} }, 'en'))
  })
})
