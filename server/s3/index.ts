/** S3 multipart signing endpoints for the reference server (and any Node app). */
export {
  createS3SigningHandler,
  MAX_PART_URL_EXPIRES_IN,
  S3_MAX_OBJECT_SIZE,
  S3_MAX_PARTS,
  S3_MIN_PART_SIZE,
  type S3SignerOptions,
} from './handler'
export { createS3Client, s3EnvFrom, type S3Env } from './client'
export { objectKey, openHandle, sealHandle, type UploadHandle } from './handle'
