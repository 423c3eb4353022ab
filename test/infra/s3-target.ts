/**
 * The S3 the S3 suites upload to. From the environment when `S3_ENDPOINT` or
 * `S3_ACCESS_KEY_ID` is set (any S3: AWS, MinIO, R2, the Ceph RGW that the test run starts,
 * see test/infra/s3-global-setup.ts), otherwise the local S3 (server/s3-local) in-process.
 *
 *   S3_ENDPOINT            e.g. http://127.0.0.1:7480 (omit for AWS)
 *   S3_REGION              default us-east-1
 *   S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY
 *   S3_BUCKET              an existing bucket to use as is; unset: each suite creates a fresh
 *                          bucket with the CORS rule of docs/s3.md and deletes it afterwards
 *   S3_FORCE_PATH_STYLE    default 1 when S3_ENDPOINT is set
 *
 * Objects are read back through S3 (GetObject), never from a server's files.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  type CORSRule,
  type MultipartUpload,
  type S3Client,
} from '@aws-sdk/client-s3'
import { createS3Client } from '../../server/s3'
import { startLocalS3, type LocalS3 } from '../../server/s3-local'

export interface S3TargetOptions {
  /** Origins the bucket's CORS rule allows (the test page's origin). */
  readonly origins?: readonly string[]
  /** Expose `ETag` to pages (default true); false reproduces the classic misconfiguration. */
  readonly exposeEtag?: boolean
  /** Always create a fresh bucket with this rule, even when `S3_BUCKET` names one. */
  readonly freshBucket?: boolean
  /** Smallest part but the last the local S3 accepts (default 5 MiB, as S3). */
  readonly minPartSize?: number
}

export interface S3Target {
  /** `env` (any S3 named by the environment, e.g. Ceph RGW) or `local` (server/s3-local). */
  readonly kind: 'env' | 'local'
  /** What it is, for logs: `rgw`, `local`, or the endpoint. */
  readonly name: string
  readonly endpoint: string | undefined
  readonly region: string
  readonly credentials: { accessKeyId: string; secretAccessKey: string }
  readonly forcePathStyle: boolean
  readonly bucket: string
  /** A client fit for signing (checksums only when required). */
  readonly client: S3Client
  /** MD5 (hex) of an object, streamed through GetObject. */
  md5Of(key: string): Promise<string>
  /** Multipart uploads still open in the bucket. */
  pendingUploads(): Promise<MultipartUpload[]>
  /** Every object key in the bucket. */
  keys(): Promise<string[]>
  /** Empties and deletes the buckets this target created; stops the local S3. */
  close(): Promise<void>
}

/** The CORS rule of docs/s3.md: the origin, PUT/POST/GET/HEAD, two headers, ETag exposed. */
export function corsRule(origins: readonly string[], exposeEtag = true): CORSRule {
  return {
    AllowedOrigins: [...origins],
    AllowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
    AllowedHeaders: ['content-md5', 'content-type'],
    ExposeHeaders: exposeEtag ? ['ETag'] : [],
    MaxAgeSeconds: 3000,
  }
}

const truthy = (value: string | undefined) => value === '1' || value === 'true'

/** Whether the environment names an S3 for the suites. */
export function s3FromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!(env.S3_ENDPOINT || env.S3_ACCESS_KEY_ID)
}

export async function openS3Target(options: S3TargetOptions = {}): Promise<S3Target> {
  const env = process.env
  const origins = options.origins ?? ['http://127.0.0.1']
  let local: LocalS3 | undefined
  let endpoint: string | undefined
  let region: string
  let credentials: { accessKeyId: string; secretAccessKey: string }
  let forcePathStyle: boolean
  if (s3FromEnv(env)) {
    endpoint = env.S3_ENDPOINT || undefined
    region = env.S3_REGION || 'us-east-1'
    credentials = {
      accessKeyId: env.S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '',
    }
    forcePathStyle =
      env.S3_FORCE_PATH_STYLE === undefined ? !!endpoint : truthy(env.S3_FORCE_PATH_STYLE)
  } else {
    local = await startLocalS3({
      allowedOrigins: [...origins],
      exposeEtag: options.exposeEtag ?? true,
      minPartSize: options.minPartSize,
    })
    ;({ endpoint, region, credentials } = local)
    forcePathStyle = true
  }
  const client = createS3Client({ endpoint, region, credentials, forcePathStyle })
  const created: string[] = []

  async function createBucket(): Promise<string> {
    const name = `vcu-${randomBytes(6).toString('hex')}`
    await client.send(new CreateBucketCommand({ Bucket: name }))
    created.push(name)
    await client.send(
      new PutBucketCorsCommand({
        Bucket: name,
        CORSConfiguration: {
          CORSRules: [corsRule(origins, options.exposeEtag ?? true)],
        },
      }),
    )
    return name
  }

  let bucket: string
  if (local) bucket = local.bucket
  else if (env.S3_BUCKET && !options.freshBucket) bucket = env.S3_BUCKET
  else bucket = await createBucket()

  const pendingIn = async (name: string) =>
    (await client.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads ?? []
  const keysIn = async (name: string) => {
    const keys: string[] = []
    let token: string | undefined
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: name, ContinuationToken: token }),
      )
      keys.push(...(page.Contents ?? []).map((o) => o.Key!))
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
    return keys
  }

  return {
    kind: local ? 'local' : 'env',
    name: local ? 'local' : (env.VCU_S3_NAME ?? endpoint ?? 'aws'),
    endpoint,
    region,
    credentials,
    forcePathStyle,
    bucket,
    client,
    async md5Of(key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      const hash = createHash('md5')
      for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk)
      return hash.digest('hex')
    },
    pendingUploads: () => pendingIn(bucket),
    keys: () => keysIn(bucket),
    async close() {
      for (const name of created) {
        for (const upload of await pendingIn(name).catch(() => [])) {
          await client
            .send(
              new AbortMultipartUploadCommand({
                Bucket: name,
                Key: upload.Key,
                UploadId: upload.UploadId,
              }),
            )
            .catch(() => {})
        }
        for (const key of await keysIn(name).catch(() => [])) {
          await client.send(new DeleteObjectCommand({ Bucket: name, Key: key })).catch(() => {})
        }
        await client.send(new DeleteBucketCommand({ Bucket: name })).catch(() => {})
      }
      client.destroy()
      await local?.close()
    },
  }
}
