/**
 * The multipart operations @20minutes/s3rver 4.0.4 lacks or gets wrong, written against its
 * filesystem store layout (`<bucket>/._S3rver_uploads/<uploadId>/{key,metadata,N,N.md5}`):
 * UploadPart with Content-MD5 and upload checks, ListParts with paging, Abort, Complete with
 * S3's part checks and its `md5-of-md5s-N` ETag, ListMultipartUploads.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { s3rver, type KoaContext } from './s3rver'

export const MAX_PART_NUMBER = 10_000

function s3Error(code: string, message: string, detail: Record<string, string> = {}): Error {
  return new s3rver.S3Error(code, message, detail)
}

function uploadDir(ctx: KoaContext, uploadId: string): string {
  if (!/^[0-9a-f]{16,64}$/.test(uploadId)) {
    throw s3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId })
  }
  return join(ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads'), uploadId)
}

async function uploadKey(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, 'key'))).toString()
  } catch {
    return undefined
  }
}

/** The upload's directory, if the upload exists for this key. */
async function requireUpload(ctx: KoaContext): Promise<string> {
  const uploadId = String(ctx.query.uploadId)
  const dir = uploadDir(ctx, uploadId)
  const key = await uploadKey(dir)
  if (key === undefined || key !== ctx.params.key) {
    throw s3Error(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    )
  }
  return dir
}

interface StoredPart {
  number: number
  md5: string
  size: number
  mtime: Date
}

async function storedParts(dir: string): Promise<StoredPart[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const numbers = names
    .filter((n) => /^\d+\.md5$/.test(n))
    .map((n) => Number(n.slice(0, -4)))
    .sort((a, b) => a - b)
  const parts = await Promise.all(
    numbers.map(async (number): Promise<StoredPart | undefined> => {
      try {
        const [md5, info] = await Promise.all([
          readFile(join(dir, `${number}.md5`), 'utf8'),
          stat(join(dir, String(number))),
        ])
        return { number, md5, size: info.size, mtime: info.mtime }
      } catch {
        return undefined
      }
    }),
  )
  return parts.filter((p): p is StoredPart => p !== undefined)
}

function partNumberOf(ctx: KoaContext): number {
  const raw = String(ctx.query.partNumber ?? '')
  const number = Number(raw)
  if (!/^\d+$/.test(raw) || number < 1 || number > MAX_PART_NUMBER) {
    throw s3Error(
      'InvalidArgument',
      'Part number must be an integer between 1 and 10000, inclusive',
      {
        ArgumentName: 'partNumber',
        ArgumentValue: raw,
      },
    )
  }
  return number
}

/** PUT ?partNumber&uploadId: streamed to a temp file, MD5-checked, then renamed into place. */
export async function uploadPart(ctx: KoaContext): Promise<void> {
  const number = partNumberOf(ctx)
  const dir = await requireUpload(ctx)
  const expected = ctx.get('content-md5')
  s3rver.aws4SignatureBodyParser(ctx)
  const tmp = join(dir, `${number}.${randomBytes(6).toString('hex')}.tmp`)
  const md5 = createHash('md5')
  try {
    await pipeline(
      ctx.request.body as NodeJS.ReadableStream,
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk)
          callback(null, chunk)
        },
      }),
      createWriteStream(tmp),
    )
    const digest = md5.digest()
    if (expected && expected !== digest.toString('base64')) {
      throw s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
        ExpectedDigest: expected,
        CalculatedDigest: digest.toString('base64'),
      })
    }
    // The upload may have been aborted or completed while the body arrived.
    if ((await uploadKey(dir)) !== ctx.params.key) {
      throw s3Error('NoSuchUpload', 'The specified upload does not exist.', {
        UploadId: String(ctx.query.uploadId),
      })
    }
    const hex = digest.toString('hex')
    // Replace an earlier copy of this part atomically: its md5 file goes last.
    await unlink(join(dir, `${number}.md5`)).catch(() => undefined)
    await rename(tmp, join(dir, String(number)))
    await writeFile(join(dir, `${number}.md5`), hex)
    ctx.set('ETag', JSON.stringify(hex))
    ctx.status = 200
    ctx.body = ''
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}

/** GET ?uploadId: ListParts, at most `max-parts` (default and cap 1000) after the marker. */
export async function listParts(ctx: KoaContext): Promise<void> {
  const dir = await requireUpload(ctx)
  const maxParts = Math.min(1000, Math.max(0, Number(ctx.query['max-parts'] ?? 1000) || 0))
  const marker = Number(ctx.query['part-number-marker'] ?? 0) || 0
  const after = (await storedParts(dir)).filter((p) => p.number > marker)
  const page = after.slice(0, maxParts)
  const truncated = after.length > page.length
  ctx.body = {
    ListPartsResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Bucket: ctx.params.bucket,
      Key: ctx.params.key,
      UploadId: String(ctx.query.uploadId),
      StorageClass: 'STANDARD',
      PartNumberMarker: marker,
      NextPartNumberMarker: page.length ? page[page.length - 1].number : marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: page.map((p) => ({
        PartNumber: p.number,
        LastModified: p.mtime.toISOString(),
        ETag: JSON.stringify(p.md5),
        Size: p.size,
      })),
    },
  }
}

/** DELETE ?uploadId: AbortMultipartUpload; later calls on it answer NoSuchUpload. */
export async function abortUpload(ctx: KoaContext): Promise<void> {
  const dir = await requireUpload(ctx)
  await rm(dir, { recursive: true, force: true })
  ctx.status = 204
  ctx.body = null
}

function readBody(ctx: KoaContext): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    ctx.req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > 4 * 1024 * 1024) reject(s3Error('MaxMessageLengthExceeded', 'Request too long'))
      else chunks.push(chunk)
    })
    ctx.req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    ctx.req.on('error', reject)
  })
}

/** The `<Part>` list of a CompleteMultipartUpload body (the SDK's and browsers' XML). */
export function parseCompleteBody(xml: string): { number: number; etag: string }[] | undefined {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) return undefined
  const parts: { number: number; etag: string }[] = []
  for (const match of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const number = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(match[1])
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(match[1])
    if (!number || !etag) return undefined
    parts.push({
      number: Number(number[1]),
      etag: etag[1].replace(/&quot;|&#34;|"/g, '').trim(),
    })
  }
  return parts.length ? parts : undefined
}

/**
 * POST ?uploadId: checks like S3 (ascending order, every part present with its ETag, every
 * part but the last at least `minPartSize`), writes the object, and stores the multipart
 * ETag `md5(concat(binary part md5s))-N` so HEAD and GET return it too.
 */
export function completeUpload(minPartSize: number) {
  return async (ctx: KoaContext): Promise<void> => {
    const dir = await requireUpload(ctx)
    const listed = parseCompleteBody(await readBody(ctx))
    if (!listed) {
      throw s3Error(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema.',
      )
    }
    for (let i = 1; i < listed.length; i++) {
      if (listed[i].number <= listed[i - 1].number) {
        throw s3Error('InvalidPartOrder', 'The list of parts was not in ascending order.')
      }
    }
    const stored = new Map((await storedParts(dir)).map((p) => [p.number, p]))
    const parts = listed.map(({ number, etag }) => {
      const part = stored.get(number)
      if (!part || part.md5 !== etag.toLowerCase()) {
        throw s3Error(
          'InvalidPart',
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          { PartNumber: String(number), ETag: etag },
        )
      }
      return part
    })
    parts.slice(0, -1).forEach((part) => {
      if (part.size < minPartSize) {
        throw s3Error(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed size',
          {
            ProposedSize: String(part.size),
            MinSizeAllowed: String(minPartSize),
            PartNumber: String(part.number),
          },
        )
      }
    })
    const key = ctx.params.key
    const bucket = ctx.params.bucket
    const metadata = JSON.parse(await readFile(join(dir, 'metadata'), 'utf8')) as Record<
      string,
      string
    >
    const objectPath = ctx.store.getResourcePath(bucket, key, 'object')
    await mkdir(join(objectPath, '..'), { recursive: true })
    const tmp = `${objectPath}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await pipeline(async function* () {
        for (const part of parts) yield* createReadStream(join(dir, String(part.number)))
      }, createWriteStream(tmp))
      const etag = `${createHash('md5')
        .update(Buffer.concat(parts.map((p) => Buffer.from(p.md5, 'hex'))))
        .digest('hex')}-${parts.length}`
      // Complete may race an abort: the upload directory must still be ours.
      if ((await uploadKey(dir)) !== key) {
        throw s3Error('NoSuchUpload', 'The specified upload does not exist.')
      }
      await rename(tmp, objectPath)
      await ctx.store.putMetadata(bucket, key, metadata, etag)
      await rm(dir, { recursive: true, force: true })
      ctx.body = {
        CompleteMultipartUploadResult: {
          '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
          Location: ctx.href.split('?')[0],
          Bucket: bucket,
          Key: key,
          ETag: JSON.stringify(etag),
        },
      }
    } finally {
      await unlink(tmp).catch(() => undefined)
    }
  }
}

/** GET /bucket?uploads: ListMultipartUploads (prefix, max-uploads; no key/upload markers). */
export async function listUploads(ctx: KoaContext): Promise<void> {
  const root = ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads')
  const prefix = String(ctx.query.prefix ?? '')
  const maxUploads = Math.min(1000, Number(ctx.query['max-uploads'] ?? 1000) || 1000)
  const ids = await readdir(root).catch(() => [] as string[])
  const uploads: { Key: string; UploadId: string; Initiated: string }[] = []
  for (const id of ids.sort()) {
    const key = await uploadKey(join(root, id))
    if (key === undefined || !key.startsWith(prefix)) continue
    const info = await stat(join(root, id, 'key'))
    uploads.push({ Key: key, UploadId: id, Initiated: info.mtime.toISOString() })
  }
  uploads.sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0))
  const page = uploads.slice(0, maxUploads)
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Bucket: ctx.params.bucket,
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: uploads.length > page.length,
      Upload: page.map((u) => ({ ...u, StorageClass: 'STANDARD' })),
    },
  }
}
