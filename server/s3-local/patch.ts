/**
 * Fills the gaps of @20minutes/s3rver 4.0.4 at runtime, without editing the package: a
 * middleware after its SigV4 check takes over the multipart operations, and the SigV4 check
 * signs a bucket path with its trailing slash as AWS SDK v3 does (`/bucket/`), so bucket-level
 * SDK calls (ListMultipartUploads, ListObjectsV2) stop failing with SignatureDoesNotMatch;
 * browser form uploads are checked against their signed policy (`post-form.ts`).
 */
import { abortUpload, completeUpload, listParts, listUploads, uploadPart } from './multipart'
import { formPost } from './post-form'
import { s3rver, type KoaContext, type Middleware } from './s3rver'

/** The S3 minimum for every part but the last. */
export const DEFAULT_MIN_PART_SIZE = 5 * 1024 * 1024

const has = (ctx: KoaContext, name: string) => Object.hasOwn(ctx.query, name)

/**
 * What stock s3rver lets through and S3 does not: requests without any signature (it treats
 * them as anonymous and serves them), and keys with `.` or `..` segments (its store maps keys
 * to paths, so `..%2F..%2Fx` wrote outside the store). Preflights carry no signature.
 */
const guard: Middleware = async (ctx, next) => {
  const { bucket, key } = ctx.params
  const segments = [bucket ?? '', ...(key ?? '').split('/')]
  if (segments.some((s) => s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
    throw new s3rver.S3Error('InvalidArgument', 'Keys may not contain . or .. segments.', {
      ArgumentName: 'key',
    })
  }
  if (ctx.method === 'OPTIONS') return next()
  const signed =
    ctx.get('authorization') !== '' ||
    has(ctx, 'X-Amz-Algorithm') ||
    has(ctx, 'Signature') ||
    ctx.state.vcuFormChecked === true
  if (!signed) throw new s3rver.S3Error('AccessDenied', 'Access Denied')
  return next()
}

/**
 * s3rver answers a matched preflight with `Access-Control-Allow-Origin: *` whatever the
 * rule says; S3 names the origin. Only a rule for every origin keeps `*`.
 */
function namedOriginPreflight(cors: Middleware): Middleware {
  return async (ctx, next) => {
    await cors(ctx, next)
    const origin = ctx.get('origin')
    if (ctx.method === 'OPTIONS' && origin && !ctx.app.vcuAnyOrigin) {
      if (ctx.response.get('access-control-allow-origin') === '*') {
        ctx.set('Access-Control-Allow-Origin', origin)
      }
    }
  }
}

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
  layer.stack.splice(at, 1, formPost, guard, trailingSlashSigV4(layer.stack[at]), multipart)
  const corsLayer = s3rver.router.stack.find((l) => l.stack.some((f) => f.name === 'cors'))
  if (!corsLayer) throw new Error('@20minutes/s3rver: cors layer not found (version drift?)')
  const c = corsLayer.stack.findIndex((f) => f.name === 'cors')
  corsLayer.stack.splice(c, 1, namedOriginPreflight(corsLayer.stack[c]))
  applied = true
}
