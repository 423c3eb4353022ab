/**
 * Browser form uploads (POST Object) as S3 checks them, which stock s3rver does not: the
 * policy's signature V4 against the account's secret, its expiry, and every condition
 * (exact fields, `starts-with`, `content-length-range`); every form field but `policy`,
 * `x-amz-signature`, `file` and `x-ignore-*` must be covered by one. A form that passes is
 * handed on to s3rver's own POST Object; one that does not is refused as S3 refuses it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { Readable } from 'node:stream'
import { s3rver, type KoaContext, type Middleware } from './s3rver'

/** The only account of s3rver, and its secret. */
const SECRETS: Record<string, string> = { S3RVER: 'S3RVER' }
/** Largest form body the local S3 reads (a small file's): 64 MiB. */
const MAX_FORM_BYTES = 64 * 1024 * 1024

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()
const denied = (why: string) =>
  new s3rver.S3Error('AccessDenied', `Invalid according to Policy: ${why}`)

async function readBody(ctx: KoaContext): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length
    if (size > MAX_FORM_BYTES) throw new s3rver.S3Error('EntityTooLarge', 'form too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** Checks the form's policy; throws S3's error when it does not hold. */
function checkPolicy(bucket: string, fields: Map<string, string>, fileSize: number): void {
  const policy = fields.get('policy')
  const signature = fields.get('x-amz-signature')
  const credential = fields.get('x-amz-credential') ?? ''
  if (!policy || !signature) throw denied('no policy or signature')
  const [accessKeyId, day, region, service, terminal] = credential.split('/')
  const secret = SECRETS[accessKeyId ?? '']
  if (!secret || !day || !region || service !== 's3' || terminal !== 'aws4_request') {
    throw denied('unknown credential')
  }
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 's3'), 'aws4_request')
  const expected = hmac(key, policy)
  const given = Buffer.from(signature, 'hex')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new s3rver.S3Error('SignatureDoesNotMatch', 'The form signature does not match')
  }
  let parsed: { expiration?: unknown; conditions?: unknown }
  try {
    parsed = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof parsed
  } catch {
    throw denied('the policy is not JSON')
  }
  if (typeof parsed.expiration !== 'string' || !(Date.parse(parsed.expiration) > Date.now())) {
    throw denied('Policy expired')
  }
  if (!Array.isArray(parsed.conditions)) throw denied('no conditions')
  const covered = new Set(['policy', 'x-amz-signature', 'file'])
  const value = (name: string) => (name === 'bucket' ? bucket : fields.get(name))
  for (const condition of parsed.conditions as unknown[]) {
    if (Array.isArray(condition) && condition[0] === 'content-length-range') {
      const [, min, max] = condition as [string, number, number]
      if (fileSize > max)
        throw new s3rver.S3Error(
          'EntityTooLarge',
          'Your proposed upload exceeds the maximum allowed size',
        )
      if (fileSize < min)
        throw new s3rver.S3Error(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed size',
        )
      continue
    }
    const [op, name, expected] = Array.isArray(condition)
      ? [String(condition[0]), String(condition[1]).replace(/^\$/, ''), String(condition[2])]
      : typeof condition === 'object' && condition !== null
        ? ['eq', ...Object.entries(condition)[0]!.map(String)]
        : ['', '', '']
    const actual = value(name.toLowerCase() === 'content-type' ? findName(fields, name) : name)
    const holds =
      op === 'eq'
        ? actual === expected
        : op === 'starts-with'
          ? actual?.startsWith(expected)
          : false
    if (!holds) throw denied(`Policy Condition failed: ${JSON.stringify(condition)}`)
    covered.add(name.toLowerCase())
  }
  for (const name of fields.keys()) {
    const lower = name.toLowerCase()
    if (!covered.has(lower) && !lower.startsWith('x-ignore-')) {
      throw denied(`Extra input fields: ${name}`)
    }
  }
}

/** Form field names are case-insensitive for the standard headers. */
function findName(fields: Map<string, string>, name: string): string {
  for (const key of fields.keys()) if (key.toLowerCase() === name.toLowerCase()) return key
  return name
}

/**
 * The fields before the `file` part and that part's size, read straight from the body (S3
 * ignores what follows the file). A full multipart parser costs ~2 ms a form, which the bench
 * would charge to the uploader posting them.
 */
function parseForm(body: Buffer, type: string): { fields: Map<string, string>; fileSize: number } {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type)
  if (!boundary) throw malformed()
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`)
  const fields = new Map<string, string>()
  let at = body.indexOf(delimiter)
  while (at >= 0) {
    const headersStart = at + delimiter.length + 2
    if (body.subarray(at + delimiter.length, headersStart).toString() !== '\r\n') break
    const headersEnd = body.indexOf('\r\n\r\n', headersStart)
    if (headersEnd < 0) break
    const headers = body.subarray(headersStart, headersEnd).toString('utf8')
    const name = /content-disposition:[^\r\n]*;\s*name="([^"]*)"/i.exec(headers)?.[1]
    const dataStart = headersEnd + 4
    if (name === 'file') {
      const end = body.lastIndexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]))
      if (end < dataStart) throw malformed()
      return { fields, fileSize: end - dataStart }
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), dataStart)
    if (next < 0 || name === undefined) break
    fields.set(name, body.subarray(dataStart, next).toString('utf8'))
    at = next + 2
  }
  throw new s3rver.S3Error('InvalidArgument', 'POST requires exactly one file upload per request.')
}

const malformed = () =>
  new s3rver.S3Error(
    'MalformedPOSTRequest',
    'The body of your POST request is not well-formed multipart/form-data.',
  )

/** The middleware: runs before the signature guard, which lets a checked form through. */
export const formPost: Middleware = async (ctx, next) => {
  const { bucket, key } = ctx.params
  const type = ctx.get('content-type')
  if (ctx.method !== 'POST' || !bucket || key || !/^multipart\/form-data/i.test(type)) {
    return next()
  }
  const body = await readBody(ctx)
  const { fields, fileSize } = parseForm(body, type)
  checkPolicy(bucket.replace(/\/$/, ''), fields, fileSize)
  // s3rver reads the form again from the request stream.
  const replay = Object.assign(Readable.from([body]), { headers: ctx.req.headers })
  ctx.req = replay as unknown as KoaContext['req']
  ctx.state.vcuFormChecked = true
  return next()
}
