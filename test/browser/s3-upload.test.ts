/**
 * The S3 path in real Chromium: the page's library → the signer (server/s3) → presigned
 * part PUTs straight to the bucket (Ceph RGW under CI, any S3 from the environment, or the
 * local S3; test/infra/s3-target.ts), whose CORS rule is docs/s3.md's for the page's origin.
 * Objects are read back through S3.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createS3SigningHandler } from '../../server/s3'
import { preflightPut } from '../infra/cors'
import { openS3Target, type S3Target } from '../infra/s3-target'
import { callPage, openWithFile, randomFile, sampleHeap } from './harness'
import { browserRig, type BrowserRig } from './rig'
import { MiB } from '../fakes/files'

describe('S3 multipart in real Chromium', () => {
  let { chromium, pages, server } = {} as BrowserRig
  let s3: S3Target
  /** The same S3, a bucket whose CORS rule does not expose ETag. */
  let hidden: S3Target
  let signer: string

  browserRig(
    (rig) => {
      ;({ chromium, pages, server } = rig)
      signer = `${server.url}/s3`
    },
    {
      server: async (_root, pagesUrl) => {
        // Only the page's origin, as docs/s3.md's rule: the preflights are the real ones.
        s3 = await openS3Target({ origins: [pagesUrl] })
        hidden = await openS3Target({ origins: [pagesUrl], exposeEtag: false, freshBucket: true })
        const signerFor = (target: S3Target, basePath: string) =>
          createS3SigningHandler({ client: target.client, bucket: target.bucket, basePath })
        return {
          routes: [
            { basePath: '/s3', handler: signerFor(s3, '/s3') },
            { basePath: '/s3-hidden', handler: signerFor(hidden, '/s3-hidden') },
          ],
        }
      },
    },
  )
  afterAll(async () => {
    await Promise.allSettled([s3?.close(), hidden?.close()])
  })

  const pendingUploads = () => s3.pendingUploads()

  it('uploads a disk-backed 1 GiB file; the object is byte-identical and its ETag checked', async () => {
    const source = await randomFile(1024 * MiB)
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    const heap = await sampleHeap(page, 200)
    const run = await callPage(page, 'upload', {
      endpoint: signer,
      protocol: 's3',
      chunkSize: 8 * MiB,
      concurrency: 6,
      hashing: false,
    })
    const peakHeap = await heap()
    expect(run.error).toBeUndefined()
    expect(run.upload.status.state).toBe('done')
    expect(run.result?.etag).toMatch(/^[0-9a-f]{32}-128$/)
    expect(await s3.md5Of(String(run.result?.location))).toBe(source.md5)
    expect(await pendingUploads()).toEqual([])
    // Memory stays bounded: parts are slices of the disk-backed File.
    expect(peakHeap).toBeLessThan(64 * MiB)
    console.log(
      `S3 1 GiB in Chromium: ${((1024 * MiB) / 1e6 / (run.ms / 1000)).toFixed(1)} MB/s, ` +
        `peak heap ${(peakHeap / MiB).toFixed(1)} MiB, ${run.requests} requests`,
    )
    await page.close()
  })

  it('reloads at ~50 % and resumes from ListParts, re-sending only parts that were in flight', async () => {
    // 192 MiB, not 1 GiB: the reload behaviour is the same and this 2-core machine is shared.
    const source = await randomFile(192 * MiB, 'vcu-s3-reload-192m.bin')
    const total = 24
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    const before = new Set<number>()
    const after: number[] = []
    // 'reloading': the old page may still finish (or start) PUTs; only S3's 200s count then.
    let phase: 'before' | 'reloading' | 'after' = 'before'
    const partOf = (url: string) => Number(new URL(url).searchParams.get('partNumber'))
    let half: () => void = () => {}
    const halfway = new Promise<void>((resolve) => (half = resolve))
    page.on('request', (request) => {
      if (phase === 'after' && request.method() === 'PUT' && request.url().includes('partNumber='))
        after.push(partOf(request.url()))
    })
    page.on('response', (response) => {
      const request = response.request()
      if (phase === 'after' || request.method() !== 'PUT' || response.status() !== 200) return
      if (!request.url().includes('partNumber=')) return
      before.add(partOf(request.url()))
      if (phase === 'before' && before.size >= total / 2) half()
    })
    const first = callPage(page, 'upload', {
      endpoint: signer,
      protocol: 's3',
      chunkSize: 8 * MiB,
      concurrency: 4,
      hashing: false,
    }).catch(() => undefined)
    await halfway
    phase = 'reloading'
    await page.reload()
    await first
    phase = 'after'
    await page.waitForFunction(() => (window as unknown as { vcu?: unknown }).vcu !== undefined)
    await page.setInputFiles('#file', source.path)
    const run = await callPage(page, 'upload', {
      endpoint: signer,
      protocol: 's3',
      chunkSize: 8 * MiB,
      concurrency: 4,
      hashing: false,
    })
    expect(run.error).toBeUndefined()
    expect(run.upload.status.state).toBe('done')
    expect(run.upload.resumed).toBe(true)
    // Nothing S3 had acknowledged before the reload went again; the rest went once each.
    expect(after.filter((n) => before.has(n))).toEqual([])
    expect(new Set(after).size).toBe(after.length)
    // Parts that finished while the page unloaded are listed by S3 and not sent again.
    expect(after.length).toBeLessThanOrEqual(total - before.size)
    expect(after.length).toBeGreaterThan(0)
    expect(await s3.md5Of(String(run.result?.location))).toBe(source.md5)
    expect(await pendingUploads()).toEqual([])
    await page.close()
  })

  it('sends each part with Content-MD5 after a cross-origin preflight the bucket allows', async () => {
    const source = await randomFile(12 * MiB, 'vcu-s3-md5-12m.bin')
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    const puts: { md5: string | undefined; status: number }[] = []
    page.on('response', (response) => {
      const request = response.request()
      if (!request.url().includes('partNumber=')) return
      if (request.method() === 'PUT') {
        puts.push({ md5: request.headers()['content-md5'], status: response.status() })
      }
    })
    const run = await callPage(page, 'upload', {
      endpoint: signer,
      protocol: 's3',
      chunkSize: 5 * MiB,
      concurrency: 3,
      hashing: true,
    })
    expect(run.error).toBeUndefined()
    expect(run.upload.status.state).toBe('done')
    expect(run.result?.etag).toMatch(/^[0-9a-f]{32}-3$/)
    expect(puts).toHaveLength(3)
    for (const put of puts) expect([put.md5, put.status]).toEqual([expect.any(String), 200])
    expect(await s3.md5Of(String(run.result?.location))).toBe(source.md5)
    // Content-MD5 is not a CORS-safelisted header: each PUT above needed a preflight. The
    // rule is narrow (docs/s3.md), so a header it does not list, or another origin, is refused.
    const create = await fetch(`${signer}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'p.bin', size: 1 }),
    })
    const { id } = (await create.json()) as { id: string }
    const signed = await fetch(`${signer}/uploads/${id}/parts/1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ md5: '1B2M2Y8AsgTpgAmY7PhCfg==' }),
    })
    const { url } = (await signed.json()) as { url: string }
    const preflight = (origin: string, headers: string) => preflightPut(url, origin, headers)
    const allowed = await preflight(pages.url, 'content-md5')
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(pages.url)
    const unlisted = await preflight(pages.url, 'content-md5,x-unlisted')
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull()
    const foreign = await preflight('http://evil.example', 'content-md5')
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    await fetch(`${signer}/uploads/${id}`, { method: 'DELETE' })
    await page.close()
  })

  it('fails with etag-unreadable, saying how to fix CORS, when the bucket does not expose ETag', async () => {
    const source = await randomFile(6 * MiB, 'vcu-s3-hidden-6m.bin')
    const page = await chromium.newPage()
    await openWithFile(page, pages.url, source.path)
    const run = await callPage(page, 'upload', {
      endpoint: `${server.url}/s3-hidden`,
      protocol: 's3',
      chunkSize: 5 * MiB,
      concurrency: 2,
      hashing: false,
    })
    expect(run.upload.status.state).toBe('error')
    expect(run.error?.code).toBe('protocol')
    expect(run.error?.message).toMatch(/ExposeHeaders/)
    expect(await hidden.keys()).toEqual([])
    await page.close()
  })
})
