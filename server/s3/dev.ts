/**
 * The S3 side of `npm run dev`: the signing endpoints mounted at `/s3`, against a real
 * bucket when `S3_BUCKET` is set (see `s3EnvFrom`), otherwise against the local S3
 * (server/s3-local) on 127.0.0.1 with its data in `.data/s3`.
 */
import { fileURLToPath } from 'node:url'
import type { RouteMount } from '../router'
import { startLocalS3, type LocalS3 } from '../s3-local'
import { createS3Client, s3EnvFrom } from './client'
import { createS3SigningHandler } from './handler'

export interface DevS3 {
  mount: RouteMount
  /** Where the bucket is, for the console. */
  description: string
  close(): Promise<void>
}

export async function startDevS3(env = process.env): Promise<DevS3> {
  const real = s3EnvFrom(env)
  let local: LocalS3 | undefined
  let bucket: string
  let client
  if (real) {
    bucket = real.bucket
    client = createS3Client(real.config)
  } else {
    local = await startLocalS3({
      directory: env.VCU_S3_STORE ?? fileURLToPath(new URL('../../.data/s3', import.meta.url)),
      port: Number(env.VCU_S3_PORT ?? 0),
    })
    bucket = local.bucket
    client = createS3Client({
      endpoint: local.endpoint,
      region: local.region,
      credentials: local.credentials,
      forcePathStyle: true,
    })
  }
  const handler = createS3SigningHandler({ client, bucket, secret: env.VCU_S3_SECRET })
  return {
    mount: { basePath: '/s3', handler },
    description: local
      ? `local S3 ${local.endpoint}/${bucket} (store: ${local.directory})`
      : `S3 bucket ${bucket}${real?.config.endpoint ? ` at ${String(real.config.endpoint)}` : ''}`,
    close: async () => {
      client.destroy()
      await local?.close()
    },
  }
}
