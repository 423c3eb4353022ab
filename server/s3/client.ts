import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'

/**
 * An S3 client fit for presigning browser uploads. `requestChecksumCalculation:
 * 'WHEN_REQUIRED'` is the point: with the SDK's default ('WHEN_SUPPORTED', since 3.729)
 * presigned UploadPart URLs carry `x-amz-checksum-crc32` of an empty body and real S3
 * rejects the browser's PUT. Local servers do not check it, so a test asserts it.
 */
export function createS3Client(config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  })
}

/** What the signer needs from the environment (AWS S3, MinIO, R2, Ceph…). */
export interface S3Env {
  bucket: string
  config: S3ClientConfig
  secret?: string
  keyPrefix?: string
}

/**
 * Reads `S3_BUCKET` (required), `S3_ENDPOINT` (omit for AWS), `S3_REGION` (default
 * `us-east-1`), `S3_FORCE_PATH_STYLE` (`1` for MinIO/Ceph on an IP), `S3_KEY_PREFIX`,
 * `VCU_S3_SECRET`; credentials come from the SDK's usual chain (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, profiles, instance roles). Undefined when `S3_BUCKET` is unset.
 */
export function s3EnvFrom(
  env: Record<string, string | undefined> = process.env,
): S3Env | undefined {
  if (!env.S3_BUCKET) return undefined
  return {
    bucket: env.S3_BUCKET,
    secret: env.VCU_S3_SECRET,
    keyPrefix: env.S3_KEY_PREFIX,
    config: {
      region: env.S3_REGION ?? env.AWS_REGION ?? 'us-east-1',
      endpoint: env.S3_ENDPOINT || undefined,
      forcePathStyle: env.S3_FORCE_PATH_STYLE === '1' || env.S3_FORCE_PATH_STYLE === 'true',
    },
  }
}
