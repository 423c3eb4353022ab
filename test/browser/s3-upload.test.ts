/**
 * The S3 path in real Chromium: the page's library → the signer (server/s3) → presigned
 * part PUTs straight to the local S3 (server/s3-local), with bucket CORS exposing ETag.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3'
import { startReferenceServer, type RunningReferenceServer } from '../../server'
import { createS3Client, createS3SigningHandler } from '../../server/s3'
import { startLocalS3, type LocalS3 } from '../../server/s3-local'
import {
  callPage,
  launchChromium,
  md5OfFile,
  openWithFile,
  randomFile,
  sampleHeap,
  startPageServer,
  type BrowserSession,
} from './harness'

const MiB = 1024 * 1024

describe('S3 multipart in real Chromium against the local S3', () => {
  let chromium: BrowserSession
  let pages: { url: string; close(): Promise<void> }
  let server: RunningReferenceServer
  let s3: LocalS3
  let client: S3Client
  let root: string
  let signer: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vcu-s3-browser-'))
    ;[chromium, pages, s3] = await Promise.all([
      launchChromium(),
      startPageServer(),
      startLocalS3(),
    ])
    client = createS3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
    })
    server = await startReferenceServer({
      root,
      routes: [{ basePath: '/s3', handler: createS3SigningHandler({ client, bucket: s3.bucket }) }],
    })
    signer = `${server.url}/s3`
  })

  afterAll(async () => {
    await Promise.allSettled([chromium?.close(), pages?.close(), server?.close()])
    client?.destroy()
    await s3?.close()
    rmSync(root, { recursive: true, force: true })
  })

  const objectPath = (key: string) => join(s3.directory, s3.bucket, `${key}._S3rver_object`)
  const pendingUploads = async () =>
    (await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }))).Uploads ?? []

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
    expect(await md5OfFile(objectPath(String(run.result?.location)))).toBe(source.md5)
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
    expect(await md5OfFile(objectPath(String(run.result?.location)))).toBe(source.md5)
    expect(await pendingUploads()).toEqual([])
    await page.close()
  })
})
