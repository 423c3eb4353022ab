import { describe, expect, it } from 'vitest'
import { UploadError, type UploaderSnapshot } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { createTusProtocol } from '../../src/protocols/tus'
import { settle } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { scriptedEngine, type ScriptedEngineOptions } from '../fakes/engine'
import { fileOf, KiB } from '../fakes/files'
import type { ScriptedRequest, ScriptedTransport } from '../fakes/scripted-transport'

const endpoint = 'http://127.0.0.1:1/tus'
const url = `${endpoint}/abc123`
const size = 600 * KiB
const TUS = { 'tus-version': '1.0.0', 'tus-resumable': '1.0.0' }
const BASIC = { ...TUS, 'tus-extension': 'creation,termination,expiration' }
const CONCAT = { ...TUS, 'tus-extension': 'creation,concatenation,termination' }

function setup(extra: Partial<ScriptedEngineOptions> = {}) {
  return scriptedEngine({
    protocol: createTusProtocol({ endpoint }),
    chunkSize: 256 * KiB,
    hashing: false,
    retry: { jitter: 0, baseDelayMs: 10 },
    progressIntervalMs: 0,
    // Fixed lanes and part size: these tests script each part; adaptive has its own tests.
    adaptive: false,
    ...extra,
  })
}

async function expect1(
  transport: ScriptedTransport,
  method: string,
  target = url,
): Promise<ScriptedRequest> {
  const request = await transport.next()
  expect(`${request.method} ${request.url}`).toBe(`${method} ${target}`)
  return request
}

async function created(transport: ScriptedTransport, options = BASIC, location = url) {
  ;(await expect1(transport, 'OPTIONS', endpoint)).respond({ status: 204, headers: options })
  ;(await expect1(transport, 'POST', endpoint)).respond({ status: 201, headers: { location } })
}

function shownNeverDecreases(snapshots: UploaderSnapshot[]): void {
  const shown = snapshots.map((s) => s.uploads[0]?.bytesUploaded ?? 0)
  for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThanOrEqual(shown[i - 1])
  expect(Math.max(...shown)).toBeLessThanOrEqual(size)
}

describe('engine + tus protocol (scripted server)', () => {
  it('sends the File as one PATCH; when it is cut, HEAD says what the server kept and only the rest goes', async () => {
    const { transport, clock, uploader, snapshots } = setup()
    const file = fileOf(size, 'f.bin')
    uploader.add(file)
    await created(transport)
    const stream = await expect1(transport, 'PATCH')
    expect(stream.body).toBe(file)
    expect(stream.headers).toMatchObject({ 'upload-offset': '0' })
    stream.progress(400 * KiB)
    await settle()
    expect(uploader.getSnapshot().uploads[0].bytesUploaded).toBe(400 * KiB)
    stream.fail(new UploadError('network', 'connection reset'))
    // The server kept 300 KiB of the 400 KiB that left the browser.
    ;(await expect1(transport, 'HEAD')).respond({
      status: 200,
      headers: { 'upload-offset': String(300 * KiB), 'upload-length': String(size) },
    })
    const rest = await expect1(transport, 'PATCH')
    expect(rest.headers).toMatchObject({ 'upload-offset': String(300 * KiB) })
    expect((rest.body as Blob).size).toBe(212 * KiB)
    rest.progress(212 * KiB)
    rest.respond({ status: 204, headers: { 'upload-offset': String(512 * KiB) } })
    const last = await expect1(transport, 'PATCH')
    expect(last.headers).toMatchObject({ 'upload-offset': String(512 * KiB) })
    expect((last.body as Blob).size).toBe(88 * KiB)
    last.respond({ status: 204, headers: { 'upload-offset': String(size) } })
    await settle()
    await clock.advance(100)
    const final = uploader.getSnapshot().uploads[0]
    expect(final.status).toMatchObject({ state: 'done', result: { size, location: url } })
    expect(final.bytesUploaded).toBe(size)
    // Exactly the 100 KiB the server dropped were sent twice.
    expect(final.bytesResent).toBe(100 * KiB)
    shownNeverDecreases(snapshots)
  })

  it('recovers from a 409 offset conflict by asking HEAD, without re-sending what the server has', async () => {
    const { transport, clock, uploader } = setup({ stream: false })
    uploader.add(fileOf(size, 'f.bin'))
    await created(transport)
    ;(await expect1(transport, 'PATCH')).respond({ status: 409 })
    await clock.advance(50)
    ;(await expect1(transport, 'HEAD')).respond({
      status: 200,
      headers: { 'upload-offset': String(256 * KiB) },
    })
    const next = await expect1(transport, 'PATCH')
    expect(next.headers).toMatchObject({ 'upload-offset': String(256 * KiB) })
    expect((next.body as Blob).size).toBe(256 * KiB)
    next.respond({ status: 204, headers: { 'upload-offset': String(512 * KiB) } })
    ;(await expect1(transport, 'PATCH')).respond({
      status: 204,
      headers: { 'upload-offset': String(size) },
    })
    await clock.advance(100)
    const final = uploader.getSnapshot().uploads[0]
    expect(final.status.state).toBe('done')
    expect(final.retries).toBe(1)
    expect(transport.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3)
  })

  it('starts over once when the upload expires mid-way; expired again, fails with `expired`, no loop', async () => {
    const { transport, clock, uploader } = setup({ stream: false })
    uploader.add(fileOf(size, 'f.bin'))
    await created(transport)
    ;(await expect1(transport, 'PATCH')).respond({ status: 410 })
    ;(await expect1(transport, 'HEAD')).respond({ status: 410 })
    ;(await expect1(transport, 'POST', endpoint)).respond({
      status: 201,
      headers: { location: `${url}-again` },
    })
    ;(await expect1(transport, 'PATCH', `${url}-again`)).respond({ status: 410 })
    await clock.advance(1000)
    const final = uploader.getSnapshot().uploads[0]
    expect(final.status).toMatchObject({ state: 'error', error: { code: 'expired' } })
    expect(final.restarted).toBe(true)
    expect(transport.requests.map((r) => r.method)).toEqual([
      'OPTIONS',
      'POST',
      'PATCH',
      'HEAD',
      'POST',
      'PATCH',
    ])
  })

  it('starts over in a later visit when the saved upload has expired on the server', async () => {
    const store = createMemoryStore()
    const file = fileOf(size, 'f.bin')
    const first = setup({ stream: false, store, hasher: new FakeHasher() })
    first.uploader.add(file)
    await created(first.transport)
    ;(await expect1(first.transport, 'PATCH')).respond({
      status: 204,
      headers: { 'upload-offset': String(256 * KiB) },
    })
    await expect1(first.transport, 'PATCH') // left hanging: the page goes away
    await first.uploader.flush()
    first.uploader.destroy()
    expect(store.size).toBe(1)

    const later = setup({ stream: false, store, hasher: new FakeHasher() })
    later.uploader.add(file)
    const { transport } = later
    ;(await expect1(transport, 'OPTIONS', endpoint)).respond({ status: 204, headers: BASIC })
    ;(await expect1(transport, 'HEAD')).respond({ status: 410 })
    ;(await expect1(transport, 'POST', endpoint)).respond({
      status: 201,
      headers: { location: `${url}-new` },
    })
    for (const [from, to] of [
      [0, 256],
      [256, 512],
      [512, 600],
    ]) {
      const patch = await expect1(transport, 'PATCH', `${url}-new`)
      expect(patch.headers).toMatchObject({ 'upload-offset': String(from * KiB) })
      patch.respond({ status: 204, headers: { 'upload-offset': String(to * KiB) } })
    }
    await later.clock.advance(100)
    expect(later.uploader.getSnapshot().uploads[0].status.state).toBe('done')
    await later.uploader.flush()
    expect(store.size).toBe(0)
  })

  it('with concatenation: partial uploads in parallel, a partial that kept bytes is continued, then the final upload', async () => {
    const { transport, clock, uploader } = setup({ stream: false, concurrency: 3 })
    uploader.add(fileOf(size, 'f.bin'))
    ;(await expect1(transport, 'OPTIONS', endpoint)).respond({ status: 204, headers: CONCAT })
    const lengths: string[] = []
    for (let i = 0; i < 3; i++) {
      const post = await expect1(transport, 'POST', endpoint)
      expect(post.headers).toMatchObject({ 'upload-concat': 'partial' })
      lengths.push(post.headers!['upload-length'])
      post.respond({ status: 201, headers: { location: `/tus/p${i}` } })
    }
    expect(lengths).toEqual([String(256 * KiB), String(256 * KiB), String(88 * KiB)])
    const patches = [await transport.next(), await transport.next(), await transport.next()]
    // All three in flight at once, each from offset 0 of its own partial upload.
    expect(transport.open).toHaveLength(3)
    expect(patches.map((p) => [p.method, p.url, p.headers?.['upload-offset']])).toEqual([
      ['PATCH', `${endpoint}/p0`, '0'],
      ['PATCH', `${endpoint}/p1`, '0'],
      ['PATCH', `${endpoint}/p2`, '0'],
    ])
    patches[0].respond({ status: 204, headers: { 'upload-offset': String(256 * KiB) } })
    patches[2].respond({ status: 204, headers: { 'upload-offset': String(88 * KiB) } })
    patches[1].progress(150 * KiB)
    patches[1].fail(new UploadError('network', 'connection reset'))
    await clock.advance(50)
    // No status of every partial first: the part goes again from 0 into the same partial,
    // which answers 409; HEAD on that one partial says 100 KiB, the rest goes.
    ;(await expect1(transport, 'PATCH', `${endpoint}/p1`)).respond({ status: 409 })
    ;(await expect1(transport, 'HEAD', `${endpoint}/p1`)).respond({
      status: 200,
      headers: { 'upload-offset': String(100 * KiB) },
    })
    const rest = await expect1(transport, 'PATCH', `${endpoint}/p1`)
    expect(rest.headers).toMatchObject({ 'upload-offset': String(100 * KiB) })
    expect((rest.body as Blob).size).toBe(156 * KiB)
    rest.respond({ status: 204, headers: { 'upload-offset': String(256 * KiB) } })
    const final = await expect1(transport, 'POST', endpoint)
    expect(final.headers?.['upload-concat']).toBe('final;/tus/p0 /tus/p1 /tus/p2')
    expect(final.headers?.['upload-metadata']).toContain(`filename ${btoa('f.bin')}`)
    final.respond({ status: 201, headers: { location: '/tus/final' } })
    await clock.advance(100)
    const done = uploader.getSnapshot().uploads[0]
    expect(done.status).toMatchObject({
      state: 'done',
      result: { size, location: `${endpoint}/final` },
    })
    expect(done.bytesUploaded).toBe(size)
    // ServerState can only say "whole part held" for parts past the first, so the engine counts
    // all 150 KiB of the cut request as re-sent although the partial kept 100 KiB of them.
    expect(done.bytesResent).toBe(150 * KiB)
    expect(
      transport.requests.filter((r) => r.method === 'PATCH').map((r) => (r.body as Blob).size),
    ).toEqual([256, 256, 88, 256, 156].map((k) => k * KiB))
  })

  it('with concatenation, partials are created as their parts go: the first byte does not wait for every POST', async () => {
    const { transport, clock, uploader } = setup({ stream: false, concurrency: 2 })
    uploader.add(fileOf(size, 'f.bin'))
    ;(await expect1(transport, 'OPTIONS', endpoint)).respond({ status: 204, headers: CONCAT })
    for (let i = 0; i < 2; i++) {
      ;(await expect1(transport, 'POST', endpoint)).respond({
        status: 201,
        headers: { location: `/tus/p${i}` },
      })
    }
    const first = await transport.next()
    const second = await transport.next()
    // Two PATCHes on the wire, and the third part's partial not created yet.
    expect([first, second].map((r) => `${r.method} ${r.url}`)).toEqual([
      `PATCH ${endpoint}/p0`,
      `PATCH ${endpoint}/p1`,
    ])
    expect(transport.requests.filter((r) => r.method === 'POST')).toHaveLength(2)
    first.respond({ status: 204, headers: { 'upload-offset': String(256 * KiB) } })
    ;(await expect1(transport, 'POST', endpoint)).respond({
      status: 201,
      headers: { location: '/tus/p2' },
    })
    ;(await expect1(transport, 'PATCH', `${endpoint}/p2`)).respond({
      status: 204,
      headers: { 'upload-offset': String(88 * KiB) },
    })
    second.respond({ status: 204, headers: { 'upload-offset': String(256 * KiB) } })
    const final = await expect1(transport, 'POST', endpoint)
    expect(final.headers?.['upload-concat']).toBe('final;/tus/p0 /tus/p1 /tus/p2')
    final.respond({ status: 201, headers: { location: '/tus/final' } })
    await clock.advance(100)
    expect(uploader.getSnapshot().uploads[0].status.state).toBe('done')
  })

  it('with concatenation, a reload resumes from the saved partials (HEAD on each) and joins them', async () => {
    const store = createMemoryStore() // both visits' fake clocks start at 0
    const first = setup({ stream: false, concurrency: 1, store })
    first.uploader.add(fileOf(size, 'f.bin'))
    ;(await expect1(first.transport, 'OPTIONS', endpoint)).respond({
      status: 204,
      headers: CONCAT,
    })
    ;(await expect1(first.transport, 'POST', endpoint)).respond({
      status: 201,
      headers: { location: '/tus/p0' },
    })
    ;(await expect1(first.transport, 'PATCH', `${endpoint}/p0`)).respond({
      status: 204,
      headers: { 'upload-offset': String(256 * KiB) },
    })
    await expect1(first.transport, 'POST', endpoint) // p1's partial: the page goes away
    await first.uploader.flush()
    first.uploader.destroy()
    const [record] = await store.list()
    expect(record.parts).toEqual([{ index: 0, size: 256 * KiB, etag: `${endpoint}/p0` }])
    const second = setup({ stream: false, concurrency: 1, store })
    second.uploader.add(fileOf(size, 'f.bin'))
    ;(await expect1(second.transport, 'OPTIONS', endpoint)).respond({
      status: 204,
      headers: CONCAT,
    })
    ;(await expect1(second.transport, 'HEAD', `${endpoint}/p0`)).respond({
      status: 200,
      headers: { 'upload-offset': String(256 * KiB), 'upload-length': String(256 * KiB) },
    })
    for (const [i, length] of [
      [1, 256],
      [2, 88],
    ]) {
      ;(await expect1(second.transport, 'POST', endpoint)).respond({
        status: 201,
        headers: { location: `/tus/q${i}` },
      })
      ;(await expect1(second.transport, 'PATCH', `${endpoint}/q${i}`)).respond({
        status: 204,
        headers: { 'upload-offset': String(length * KiB) },
      })
    }
    const final = await expect1(second.transport, 'POST', endpoint)
    expect(final.headers?.['upload-concat']).toBe('final;/tus/p0 /tus/q1 /tus/q2')
    final.respond({ status: 201, headers: { location: '/tus/final' } })
    await second.clock.advance(100)
    expect(second.uploader.getSnapshot().uploads[0].status.state).toBe('done')
    second.uploader.destroy()
  })

  it('with concatenation, cancel terminates every partial upload', async () => {
    const { transport, uploader } = setup({ stream: false, concurrency: 3 })
    const { upload } = { upload: uploader.add(fileOf(size, 'f.bin')).added[0] }
    ;(await expect1(transport, 'OPTIONS', endpoint)).respond({ status: 204, headers: CONCAT })
    for (let i = 0; i < 3; i++) {
      ;(await expect1(transport, 'POST', endpoint)).respond({
        status: 201,
        headers: { location: `/tus/p${i}` },
      })
    }
    for (let i = 0; i < 3; i++) await transport.next()
    const canceling = uploader.cancel(upload.id)
    const deletes: string[] = []
    for (let i = 0; i < 3; i++) {
      const del = await transport.next()
      deletes.push(`${del.method} ${del.url}`)
      del.respond({ status: 204 })
    }
    await canceling
    expect(deletes).toEqual([0, 1, 2].map((i) => `DELETE ${endpoint}/p${i}`))
  })
})
