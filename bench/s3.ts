/**
 * The S3 suite of `npm run bench`: the same 1 GiB disk-backed file, the same local S3
 * (server/s3-local) and signer (server/s3), in one run, interleaved:
 *   (a) this library's S3 path in Chromium: 8 MiB parts, 6 at a time, no hashing
 *   (b) the same with hashing on: each part's MD5 as Content-MD5 (S3 needs no full-file MD5)
 *   (c) Uppy 5.1 (@uppy/aws-s3, 5 MiB parts, 6 at a time) in Chromium, same signer
 *   (d) Node @aws-sdk/lib-storage (8 MiB parts, queue 4), credentials in the process
 * With BENCH_EMULATE=1, (a)–(c) also run under CDP network emulation (50 ms latency,
 * 100 Mbit/s up). Env: BENCH_SIZE_MIB (default 1024), BENCH_RUNS (default 3).
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { Page } from 'playwright-core'
import { startReferenceServer } from '../server'
import { createS3Client, createS3SigningHandler } from '../server/s3'
import { startLocalS3 } from '../server/s3-local'
import {
  callPage,
  launchChromium,
  openWithFile,
  randomFile,
  startPageServer,
} from '../test/browser/harness'
import { row, summarize, type Summary } from './stats'

const MiB = 1024 * 1024
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024)
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3))
const emulate = process.env.BENCH_EMULATE === '1'
const size = sizeMiB * MiB
const MB = 1e6

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
    `bench s3: ${sizeMiB} MiB disk-backed file, ${runs} runs of each case${emulate ? ', plus emulated 50 ms / 100 Mbit/s' : ''}`,
  )
  const source = await randomFile(size)
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
    routes: [{ basePath: '/s3', handler: createS3SigningHandler({ client, bucket: s3.bucket }) }],
  })
  const signer = `${server.url}/s3`
  const [chromium, pages] = await Promise.all([launchChromium(), startPageServer()])
  const drop = (key: string | undefined) =>
    key ? client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key })) : undefined

  async function inPage(slow: boolean, fn: (page: Page) => Promise<{ ms: number; key?: string }>) {
    const page = await chromium.newPage()
    try {
      await openWithFile(page, pages.url, source.path)
      if (slow) await emulateNetwork(page)
      const { ms, key } = await fn(page)
      await drop(key)
      return size / MB / (ms / 1000)
    } finally {
      await page.close()
    }
  }
  const library = (hashing: boolean, slow = false) =>
    inPage(slow, async (page) => {
      const run = await callPage(page, 'upload', {
        endpoint: signer,
        protocol: 's3',
        chunkSize: 8 * MiB,
        concurrency: 6,
        hashing,
      })
      if (run.error || run.upload.status.state !== 'done')
        throw new Error(`library upload failed: ${JSON.stringify(run.error)}`)
      return { ms: run.ms, key: run.result?.location }
    })
  const uppy = (slow = false) => inPage(slow, (page) => callPage(page, 'uppy', signer))
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

  const results: Record<string, number[]> = { a: [], b: [], c: [], d: [], aSlow: [], cSlow: [] }
  try {
    for (let i = 0; i < runs; i++) {
      // Interleaved, so a noisy neighbour hurts every case alike.
      results.a.push(await library(false))
      results.c.push(await uppy())
      results.b.push(await library(true))
      results.d.push(await libStorage())
      if (emulate) {
        results.aSlow.push(await library(false, true))
        results.cSlow.push(await uppy(true))
      }
      console.log(
        `  run ${i + 1}/${runs}: a ${results.a[i].toFixed(0)}, b ${results.b[i].toFixed(0)}, c ${results.c[i].toFixed(0)}, d ${results.d[i].toFixed(0)} MB/s`,
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
    'a / d: library vs lib-storage': s.a.median / s.d.median,
  }
  if (s.aSlow) ratios['a / c under 50 ms, 100 Mbit/s'] = s.aSlow.median / s.cSlow.median
  const lines = [
    '',
    `${'case (MB/s = 10^6 bytes/s)'.padEnd(44)} ${'median'.padStart(8)}        (min–max)`,
    row('(a) library S3, 8 MiB × 6, no hashing', s.a, 'MB/s'),
    row('(b) library S3, part Content-MD5', s.b, 'MB/s'),
    row('(c) Uppy 5.1 @uppy/aws-s3, 5 MiB × 6', s.c, 'MB/s'),
    row('(d) Node lib-storage, 8 MiB × 4', s.d, 'MB/s'),
    ...(s.aSlow
      ? [
          row('(a) under 50 ms / 100 Mbit/s', s.aSlow, 'MB/s'),
          row('(c) under 50 ms / 100 Mbit/s', s.cSlow, 'MB/s'),
        ]
      : []),
    '',
    ...Object.entries(ratios).map(([k, v]) => `${k.padEnd(52)} ${v.toFixed(2)}`),
  ]
  console.log(lines.join('\n'))
  const out = fileURLToPath(
    new URL(`./results/s3-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url),
  )
  writeFileSync(
    out,
    JSON.stringify({ sizeMiB, runs, date: new Date().toISOString(), ...s, ratios }, null, 2),
  )
  console.log(`\nwritten: ${out}`)
}
