/**
 * Fills the gaps of @20minutes/s3rver 4.0.4 at runtime, without editing the package: a
 * middleware after its SigV4 check takes over the multipart operations, and the SigV4 check
 * signs a bucket path with its trailing slash as AWS SDK v3 does (`/bucket/`), so bucket-level
 * SDK calls (ListMultipartUploads, ListObjectsV2) stop failing with SignatureDoesNotMatch.
 */
import { abortUpload, completeUpload, listParts, listUploads, uploadPart } from './multipart'
import { s3rver, type KoaContext, type Middleware } from './s3rver'

/** The S3 minimum for every part but the last. */
export const DEFAULT_MIN_PART_SIZE = 5 * 1024 * 1024

const has = (ctx: KoaContext, name: string) => Object.hasOwn(ctx.query, name)

const multipart: Middleware = async (ctx, next) => {
  const { bucket, key } = ctx.params
  if (!bucket || ctx.method === 'OPTIONS') return next()
  if (!key) {
    if (ctx.method === 'GET' && has(ctx, 'uploads')) return listUploads(ctx)
    return next()
  }
  if (!has(ctx, 'uploadId')) return next()
  switch (ctx.method) {
    case 'PUT':
      if (ctx.get('x-amz-copy-source')) return next()
      return uploadPart(ctx)
    case 'GET':
      return listParts(ctx)
    case 'DELETE':
      return abortUpload(ctx)
    case 'POST':
      return completeUpload(ctx.app.vcuMinPartSize ?? DEFAULT_MIN_PART_SIZE)(ctx)
    default:
      return next()
  }
}

function trailingSlashSigV4(authentication: Middleware): Middleware {
  return async (ctx, next) => {
    const { bucket, key } = ctx.params
    if (!bucket || key || !ctx.path.endsWith('/')) return authentication(ctx, next)
    ctx.params.bucket = `${bucket}/`
    let restored = false
    const restore = () => {
      if (!restored) ctx.params.bucket = bucket
      restored = true
    }
    try {
      return await authentication(ctx, () => {
        restore()
        return next()
      })
    } finally {
      restore()
    }
  }
}

let applied = false

/** Patches the package's shared router once per process; every S3rver instance gets it. */
export function applyS3rverPatch(): void {
  if (applied) return
  const layer = s3rver.router.stack.find((l) => l.stack.some((f) => f.name === 'authentication'))
  if (!layer) throw new Error('@20minutes/s3rver: authentication layer not found (version drift?)')
  const at = layer.stack.findIndex((f) => f.name === 'authentication')
  layer.stack.splice(at, 1, trailingSlashSigV4(layer.stack[at]), multipart)
  applied = true
}
