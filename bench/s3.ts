/**
 * The S3 suite of `npm run bench`: the same 1 GiB disk-backed file, the same local S3
 * (server/s3-local) and signer (server/s3), in one run, interleaved:
 *   (a) this library's S3 path in Chromium: 8 MiB parts, 6 at a time, no hashing
 *   (b) the same with hashing on: each part's MD5 as Content-MD5 (S3 needs no full-file MD5),
 *       hashed in the default pool of Workers; (b1) the same with one hashing Worker
 *   (c) Uppy 5.1 (@uppy/aws-s3, 5 MiB parts, 6 at a time) in Chromium, same signer
 *   (d) Node @aws-sdk/lib-storage (8 MiB parts, queue 4), credentials in the process
 * With BENCH_EMULATE=1, (a) and (c) also run under CDP network emulation (50 ms latency,
 * 100 Mbit/s up, so a smaller file: BENCH_EMULATE_SIZE_MIB, default 256), next to
 *   (e) Uppy 6 (@uppy/aws-s3 6.3 with its defaults: 5 MiB parts, one part at a time per
 *       file), presigning each S3 request through a bench-only endpoint (`/presign` below),
 *       installed apart from the root in bench/peers/uppy6 (`npm ci --prefix
 *       bench/peers/uppy6`, run here when its node_modules is missing).
 * Env: BENCH_SIZE_MIB (default 1024), BENCH_RUNS (default 3).
 */
import { execFileSync } from 'node:child_process'
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { Page } from 'playwright-core'
import { startReferenceServer } from '../server'
import { withCors } from '../server/cors'
import type { FetchHandler } from '../server/router'
import { createS3Client, createS3SigningHandler } from '../server/s3'
import { startLocalS3 } from '../server/s3-local'
import {
  callPage,
  launchChromium,
  openWithFile,
  randomFile,
  startPageServer,
} from '../test/browser/harness'
import type * as Uppy6Page from '../test/browser/pages/uppy6'
import { printReport, resultFile, row, summarize, type Summary } from './stats'

const MiB = 1024 * 1024
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024)
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3))
const emulate = process.env.BENCH_EMULATE === '1'
const size = sizeMiB * MiB
const slowSizeMiB = Number(process.env.BENCH_EMULATE_SIZE_MIB ?? 256)
const slowSize = slowSizeMiB * MiB
const MB = 1e6
const uppy6Dir = fileURLToPath(new URL('./peers/uppy6/', import.meta.url))

/** Uppy 6 lives apart from the root (its @uppy/core peer clashes with the root's 5.x). */
function ensureUppy6(): void {
  if (existsSync(join(uppy6Dir, 'node_modules'))) return
  console.log('bench s3: installing Uppy 6 into bench/peers/uppy6 (npm ci)')
  execFileSync('npm', ['ci', '--prefix', uppy6Dir, '--ignore-scripts', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  })
}

/** What Uppy 6's `signRequest` sends: one S3 request to presign. */
interface PresignRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  key: string
  uploadId?: string
  partNumber?: number
  contentType?: string
}

/**
 * Bench only: presigns whichever S3 request Uppy 6 asks for (it then talks to the bucket
 * itself). No auth and any key: never mount this outside a benchmark.
 */
function createPresignHandler(client: S3Client, Bucket: string): FetchHandler {
  return withCors(async (request) => {
    if (request.method !== 'POST') return new Response(null, { status: 405 })
    const r = (await request.json()) as PresignRequest
    const Key = r.key
    const UploadId = r.uploadId
    const command =
      r.method === 'PUT' && r.partNumber !== undefined
        ? new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: r.partNumber })
        : r.method === 'PUT'
          ? new PutObjectCommand({ Bucket, Key, ContentType: r.contentType })
          : r.method === 'POST' && UploadId === undefined
            ? new CreateMultipartUploadCommand({ Bucket, Key })
            : r.method === 'POST'
              ? new CompleteMultipartUploadCommand({ Bucket, Key, UploadId })
              : r.method === 'GET'
                ? new ListPartsCommand({ Bucket, Key, UploadId })
                : UploadId !== undefined
                  ? new AbortMultipartUploadCommand({ Bucket, Key, UploadId })
                  : new DeleteObjectCommand({ Bucket, Key })
    return Response.json({
      url: await getSignedUrl(
        client,
        // One of seven command types; the union is too wide for the presigner's generics.
        command as unknown as Parameters<typeof getSignedUrl>[1],
        { expiresIn: 3600 },
      ),
    })
  })
}

async function emulateNetwork(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 50,
    uploadThroughput: 100e6 / 8,
    downloadThroughput: 100e6 / 8,
  })
}

/** Runs the S3 suite and writes its results; throws on any failed upload. */
export async function runS3Bench(): Promise<void> {
  console.log(
    `bench s3: ${sizeMiB} MiB disk-backed file, ${runs} runs of each case${emulate ? `, plus ${slowSizeMiB} MiB under emulated 50 ms / 100 Mbit/s` : ''}`,
  )
  if (emulate) ensureUppy6()
  const source = await randomFile(size)
  const slowSource = emulate ? await randomFile(slowSize) : source
  const root = mkdtempSync(join(tmpdir(), 'vcu-bench-s3-'))
  const s3 = await startLocalS3()
  const client: S3Client = createS3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
  })
  const server = await startReferenceServer({
    root,
    routes: [
      { basePath: '/s3', handler: createS3SigningHandler({ client, bucket: s3.bucket }) },
      { basePath: '/presign', handler: createPresignHandler(client, s3.bucket) },
    ],
  })
  const signer = `${server.url}/s3`
  const presign = `${server.url}/presign`
  const uppy6Lib = (name: string) => join(uppy6Dir, 'node_modules/@uppy', name, 'lib/index.js')
  const [chromium, pages] = await Promise.all([
    launchChromium(),
    startPageServer(
      emulate
        ? {
            alias: [
              { find: /^@uppy6\/core$/, replacement: uppy6Lib('core') },
              { find: /^@uppy6\/aws-s3$/, replacement: uppy6Lib('aws-s3') },
            ],
            include: ['@uppy6/core', '@uppy6/aws-s3'],
          }
        : {},
    ),
  ])
  const drop = (key: string | undefined) =>
    key ? client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key })) : undefined

  async function inPage(slow: boolean, fn: (page: Page) => Promise<{ ms: number; key?: string }>) {
    const page = await chromium.newPage()
    try {
      await openWithFile(page, pages.url, slow ? slowSource.path : source.path)
      if (slow) await emulateNetwork(page)
      const { ms, key } = await fn(page)
      await drop(key)
      return (slow ? slowSize : size) / MB / (ms / 1000)
    } finally {
      await page.close()
    }
  }
  const library = (hashing: boolean, slow = false, hashWorkers?: number) =>
    inPage(slow, async (page) => {
      const run = await callPage(page, 'upload', {
        endpoint: signer,
        protocol: 's3',
        chunkSize: 8 * MiB,
        concurrency: 6,
        hashing,
        hashWorkers,
      })
      if (run.error || run.upload.status.state !== 'done')
        throw new Error(`library upload failed: ${JSON.stringify(run.error)}`)
      return { ms: run.ms, key: run.result?.location }
    })
  const uppy = (slow = false) => inPage(slow, (page) => callPage(page, 'uppy', signer))
  // Imported on demand: main.ts never loads Uppy 6, so the browser tests need no install.
  const uppy6 = (slow = true) =>
    inPage(slow, (page) =>
      page.evaluate(async (url) => {
        const entry = '/uppy6.ts' // served by the page server, which resolves @uppy6/*
        const runner = (await import(/* @vite-ignore */ entry)) as typeof Uppy6Page
        return runner.uppy6S3(url)
      }, presign),
    )
  async function libStorage(): Promise<number> {
    const key = `bench/lib-storage-${Date.now()}.bin`
    const started = performance.now()
    await new Upload({
      client,
      params: { Bucket: s3.bucket, Key: key, Body: createReadStream(source.path) },
      partSize: 8 * MiB,
      queueSize: 4,
    }).done()
    const ms = performance.now() - started
    await drop(key)
    return size / MB / (ms / 1000)
  }

  const results: Record<string, number[]> = {
    a: [],
    b: [],
    b1: [],
    c: [],
    d: [],
    aSlow: [],
    cSlow: [],
    eSlow: [],
  }
  try {
    for (let i = 0; i < runs; i++) {
      // Interleaved, so a noisy neighbour hurts every case alike.
      results.a.push(await library(false))
      results.c.push(await uppy())
      results.b.push(await library(true))
      results.b1.push(await library(true, false, 1))
      results.d.push(await libStorage())
      if (emulate) {
        results.aSlow.push(await library(false, true))
        results.eSlow.push(await uppy6())
        results.cSlow.push(await uppy(true))
      }
      console.log(
        `  run ${i + 1}/${runs}: a ${results.a[i].toFixed(0)}, b ${results.b[i].toFixed(0)}, b1 ${results.b1[i].toFixed(0)}, c ${results.c[i].toFixed(0)}, d ${results.d[i].toFixed(0)} MB/s` +
          (emulate
            ? `; emulated: a ${results.aSlow[i].toFixed(1)}, e ${results.eSlow[i].toFixed(1)}, c ${results.cSlow[i].toFixed(1)} MB/s`
            : ''),
      )
    }
  } finally {
    await Promise.allSettled([chromium.close(), pages.close(), server.close()])
    client.destroy()
    await s3.close()
    rmSync(root, { recursive: true, force: true })
  }
  const s: Record<string, Summary> = {}
  for (const [k, v] of Object.entries(results)) if (v.length) s[k] = summarize(v)
  const ratios: Record<string, number> = {
    'a / c: library vs Uppy 5.1 (target ≥ 1.3)': s.a.median / s.c.median,
    'b / c: library with part MD5s vs Uppy 5.1': s.b.median / s.c.median,
    'b / b1: hashing Worker pool vs one Worker': s.b.median / s.b1.median,
    'a / d: library vs lib-storage': s.a.median / s.d.median,
  }
  if (s.aSlow) {
    ratios['a / e under 50 ms, 100 Mbit/s: vs Uppy 6 (target ≥ 1.5)'] =
      s.aSlow.median / s.eSlow.median
    ratios['a / c under 50 ms, 100 Mbit/s: vs Uppy 5.1'] = s.aSlow.median / s.cSlow.median
  }
  printReport(
    'case (MB/s = 10^6 bytes/s)',
    [
      row('(a) library S3, 8 MiB × 6, no hashing', s.a, 'MB/s'),
      row('(b) library S3, part Content-MD5', s.b, 'MB/s'),
      row('(b1) the same, one hashing Worker', s.b1, 'MB/s'),
      row('(c) Uppy 5.1 @uppy/aws-s3, 5 MiB × 6', s.c, 'MB/s'),
      row('(d) Node lib-storage, 8 MiB × 4', s.d, 'MB/s'),
      ...(s.aSlow
        ? [
            row(`(a) ${slowSizeMiB} MiB, 50 ms / 100 Mbit/s`, s.aSlow, 'MB/s'),
            row(`(e) Uppy 6, ${slowSizeMiB} MiB, 50 ms / 100 Mbit/s`, s.eSlow, 'MB/s'),
            row(`(c) Uppy 5.1, ${slowSizeMiB} MiB, 50 ms / 100 Mbit/s`, s.cSlow, 'MB/s'),
          ]
        : []),
    ],
    ratios,
    58,
  )
  const out = resultFile('s3')
  writeFileSync(
    out,
    JSON.stringify(
      {
        sizeMiB,
        ...(emulate ? { slowSizeMiB } : {}),
        runs,
        date: new Date().toISOString(),
        ...s,
        ratios,
      },
      null,
      2,
    ),
  )
  console.log(`\nwritten: ${out}`)
}
