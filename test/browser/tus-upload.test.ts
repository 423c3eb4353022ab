import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTusEndpoint, type TusEndpoint } from '../../server/tus'
import { callPage, md5OfFile, openWithFile, randomFile } from './harness'
import { browserRig, type BrowserRig } from './rig'
import { GiB, MiB } from '../fakes/files'

/**
 * Counts the body bytes every tus PATCH brings to the server, whether or not the request
 * completes: what was received twice is what the client re-sent.
 */
function counting(tus: TusEndpoint) {
  const counter = { received: 0, patchOffsets: [] as number[] }
  const handler = (request: Request): Promise<Response> => {
    if (request.method !== 'PATCH' || !request.body) return tus.handler(request)
    counter.patchOffsets.push(Number(request.headers.get('upload-offset')))
    const body = request.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          counter.received += chunk.byteLength
          controller.enqueue(chunk)
        },
      }),
    )
    return tus.handler(new Request(request, { body, duplex: 'half' } as RequestInit))
  }
  return { counter, mount: { basePath: tus.basePath, handler } }
}

describe('tus in real Chromium against @tus/server', () => {
  let { chromium, pages, server, root } = {} as BrowserRig
  let tus: TusEndpoint
  let counter: { received: number; patchOffsets: number[] }
  let source: { path: string; md5: string }

  browserRig((rig) => ({ chromium, pages, server, root } = rig), {
    server: (root) => {
      tus = createTusEndpoint({ root: join(root, 'tus') })
      const counted = counting(tus)
      counter = counted.counter
      return { root: join(root, 'http'), routes: [counted.mount] }
    },
  })
  beforeAll(async () => {
    source = await randomFile(GiB)
  }, 120_000)

  const endpoint = () => `${server.url}/tus`
  const idOf = (location: string | undefined) => String(location).split('/').pop()!

  it('uploads a disk-backed 1 GiB file as one PATCH of the File, stored byte-identical', async () => {
    counter.received = 0
    counter.patchOffsets = []
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    const run = await callPage(page, 'upload', {
      endpoint: endpoint(),
      protocol: 'tus',
      hashing: true,
    })
    expect(run.error).toBeUndefined()
    expect(run.upload.status.state).toBe('done')
    expect(run.upload.hash.state).toBe('off') // tus cannot verify it: not computed
    expect(run.upload.bytesUploaded).toBe(GiB)
    expect(counter.patchOffsets).toEqual([0])
    expect(counter.received).toBe(GiB)
    const id = idOf(run.result?.location)
    expect(await md5OfFile(join(root, 'tus', id))).toBe(source.md5)
    await page.close()
  }, 120_000)

  it('resumes after a reload at ~50 %, re-sending at most 1 MiB', async () => {
    counter.received = 0
    counter.patchOffsets = []
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    // Not awaited: the reload ends this call.
    void callPage(page, 'upload', { endpoint: endpoint(), protocol: 'tus', hashing: false }).catch(
      () => undefined,
    )
    while (counter.received < GiB / 2) await new Promise((resolve) => setTimeout(resolve, 20))
    const receivedAtReload = counter.received
    await page.reload()
    await openWithFile(page, pages.url, source.path)
    const run = await callPage(page, 'upload', {
      endpoint: endpoint(),
      protocol: 'tus',
      hashing: false,
    })
    expect(run.error).toBeUndefined()
    expect(run.upload.status.state).toBe('done')
    expect(run.upload.resumed).toBe(true)
    // One PATCH of the File before the reload; after it, part PATCHes from where HEAD said.
    const [first, resumedAt, ...rest] = counter.patchOffsets
    expect(first).toBe(0)
    expect(resumedAt).toBeGreaterThanOrEqual(receivedAtReload)
    expect(resumedAt).toBeLessThan(0.8 * GiB)
    expect(rest.every((offset) => offset % (8 * MiB) === 0 && offset > resumedAt)).toBe(true)
    expect(rest).toEqual([...rest].sort((a, b) => a - b))
    // The server received each byte about once: re-sent ≤ 1 MiB.
    expect(counter.received - GiB).toBeLessThanOrEqual(MiB)
    expect(counter.received).toBeGreaterThanOrEqual(GiB)
    const id = idOf(run.result?.location)
    expect(await md5OfFile(join(root, 'tus', id))).toBe(source.md5)
    await page.close()
  }, 180_000)
})
