/**
 * The servers every case uploads to, on 127.0.0.1: one local S3 (server/s3-local) and one
 * sink for the single-PUT limit for the whole run, and for each upload a fresh reference
 * server (HTTP chunk protocol, @tus/server, the S3 signer and Uppy 6's presigner) on an empty
 * store, so no upload ever finds its file already there. `cleanup()` empties the bucket and
 * deletes the store, so disk use stays at one upload's worth.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3'
import { startReferenceServer } from '../server/index'
import { createS3Client, createS3SigningHandler } from '../server/s3'
import { startLocalS3, type LocalS3 } from '../server/s3-local'
import { createTusEndpoint } from '../server/tus'
import { startByteCounter, type ByteCounter } from './byte-counter'
import { createPresignHandler } from './presign'
import { startSink } from './sink-server'

/** One upload's endpoints. */
export interface Target {
  /** HTTP chunk protocol endpoint. */
  readonly http: string
  /** @tus/server creation URL. */
  readonly tus: string
  /** This library's S3 signer (also used by Uppy 5). */
  readonly s3: string
  /** Uppy 6's presigner. */
  readonly presign: string
  /** The single-PUT sink. */
  readonly sink: string
  /** Bytes the servers received so far (only with `countBytes`). */
  received(): number
  /** Stops this target's server, deletes its store and empties the bucket. */
  cleanup(): Promise<void>
}

export interface BenchServers {
  target(options?: { countBytes?: boolean }): Promise<Target>
  close(): Promise<void>
}

function s3ClientFor(s3: LocalS3, endpoint = s3.endpoint): S3Client {
  return createS3Client({
    endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
  })
}

async function emptyBucket(client: S3Client, Bucket: string): Promise<void> {
  const objects = await client.send(new ListObjectsV2Command({ Bucket }))
  for (const { Key } of objects.Contents ?? [])
    await client.send(new DeleteObjectCommand({ Bucket, Key }))
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket }))
  for (const { Key, UploadId } of uploads.Uploads ?? [])
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
}

/**
 * Where the servers keep what they receive: `BENCH_STORE_DIR`, or the system's temporary
 * folder. Creating a file costs from 0.02 to 1 ms of CPU on this project's shared machine's
 * ext4, depending on the folder (the allocator's state, not its path), and the stores create
 * files per upload where the sink writes into one: with `BENCH_STORE_DIR=/dev/shm` (tmpfs)
 * that cost, and the cost of syncs, leave the comparison (docs/performance.md).
 */
const storeDir = (): string => process.env.BENCH_STORE_DIR ?? tmpdir()

export async function startBenchServers(): Promise<BenchServers> {
  const s3Dir = mkdtempSync(join(storeDir(), 'vcu-s3-'))
  const s3 = await startLocalS3({ directory: s3Dir })
  const client = s3ClientFor(s3)
  const sink = await startSink(join(storeDir(), `vcu-bench-sink-${process.pid}.bin`))

  async function target({ countBytes = false } = {}): Promise<Target> {
    const root = mkdtempSync(join(storeDir(), 'vcu-bench-store-'))
    const counters: ByteCounter[] = []
    // Counted: presigned URLs point at a counter in front of the bucket.
    const s3Counter = countBytes ? await startByteCounter(s3.endpoint) : undefined
    if (s3Counter) counters.push(s3Counter)
    const signingClient = s3Counter ? s3ClientFor(s3, s3Counter.url) : client
    const tus = createTusEndpoint({ root: join(root, 'tus') })
    const server = await startReferenceServer({
      root: join(root, 'http'),
      routes: [
        tus,
        {
          basePath: '/s3',
          handler: createS3SigningHandler({ client: signingClient, bucket: s3.bucket }),
        },
        { basePath: '/presign', handler: createPresignHandler(signingClient, s3.bucket) },
      ],
    })
    const serverCounter = countBytes ? await startByteCounter(server.url) : undefined
    if (serverCounter) counters.push(serverCounter)
    const origin = serverCounter?.url ?? server.url
    await sink.reset()
    return {
      http: `${origin}${new URL(server.httpUrl).pathname}`,
      tus: `${origin}${tus.basePath}`,
      s3: `${origin}/s3`,
      presign: `${origin}/presign`,
      sink: `${sink.url}?offset=0`,
      received: () => counters.reduce((sum, c) => sum + c.received, 0),
      async cleanup() {
        await Promise.allSettled(counters.map((c) => c.close()))
        await server.close()
        if (signingClient !== client) signingClient.destroy()
        rmSync(root, { recursive: true, force: true })
        await emptyBucket(client, s3.bucket)
        await sink.reset()
      },
    }
  }

  return {
    target,
    async close() {
      client.destroy()
      await Promise.allSettled([s3.close(), sink.close()])
      rmSync(s3Dir, { recursive: true, force: true })
    },
  }
}
