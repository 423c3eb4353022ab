/**
 * S3 multipart signing endpoints, as a web-standard handler (mount it at `/s3`). The browser
 * never holds credentials: this creates the upload, signs one part URL just before its PUT
 * (minutes, bound to that part of that upload and, when given, to its Content-MD5), lists
 * every part (all pages), completes and aborts; for a small file, signs one single PUT
 * (`POST /objects`), and for many small files at once, one POST form each
 * (`POST /objects/batch`). Keys are generated here.
 */
import { randomBytes } from 'node:crypto'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { withCors, type CorsOptions } from '../cors'
import { normalizeBasePath, type FetchHandler, type RequestContext } from '../router'
import { objectKey, openHandle, sealHandle, type UploadHandle } from './handle'
import { identify, ownerFromAuthorization, type Caller, type OwnerOf } from '../owner'
import { checkCaps, resolveCaps, type CapOptions, type OpenUpload } from '../caps'
import { DEFAULT_CONTROL_BODY_TIMEOUT_MS } from '../control-body'
import { parseMetadata, toS3Metadata } from '../metadata'
import { HttpFailure, isGone, isJson, json, readJson, s3Failure } from './answers'
import { signPostForms } from './post-policy'
import {
  ETAG,
  MD5_BASE64,
  MAX_PART_URL_EXPIRES_IN,
  MiB,
  S3_MAX_OBJECT_SIZE,
  S3_MAX_PART_SIZE,
  S3_MAX_PARTS,
  S3_MIN_PART_SIZE,
  defaultPartSize,
  partLength,
} from './limits'

/** Most files `POST /objects/batch` signs in one request. */
export const MAX_BATCH_FILES = 100

export {
  MAX_PART_URL_EXPIRES_IN,
  MiB,
  S3_MAX_OBJECT_SIZE,
  S3_MAX_PART_SIZE,
  S3_MAX_PARTS,
  S3_MIN_PART_SIZE,
} from './limits'

export interface S3SignerOptions extends CapOptions {
  /** Built with {@link createS3Client} (checksums only when required). */
  client: S3Client
  bucket: string
  /** Where keys go (default `uploads/`); the rest of the key is generated. */
  keyPrefix?: string
  /**
   * HMAC secret of upload ids. Default: random per process, so ids (and resumes) do not
   * survive a restart; set it (env `VCU_S3_SECRET`) when they should.
   */
  secret?: string | Buffer
  /** Lifetime of a part URL in seconds (default 300; at most 3600: a URL is a bearer credential). */
  partUrlExpiresIn?: number
  /** Largest file accepted (default and cap 5 TiB). */
  maxFileSize?: number
  /** Smallest part but the last (default 5 MiB); bounds the part numbers a file may use. */
  minPartSize?: number
  /** Base path the handler is mounted at (default `/s3`). */
  basePath?: string
  /**
   * Who is calling (a user id from your session); ids only work for the same caller.
   * Default: the `Authorization` header as sent; anonymous callers are told apart by address.
   */
  owner?: OwnerOf
  /**
   * How long an upload counts against its creator's caps when it is never completed or
   * aborted (default 24 h; the bucket's lifecycle rule is what removes it from S3).
   */
  openUploadTtlMs?: number
  /**
   * A control request's JSON body must arrive whole within this long (default 10 s), or it
   * is answered 408 `timeout` and its connection closed.
   */
  controlBodyTimeoutMs?: number
  cors?: CorsOptions
}

export function createS3SigningHandler(options: S3SignerOptions): FetchHandler {
  const { client, bucket } = options
  const basePath = normalizeBasePath(options.basePath ?? '/s3')
  const prefix = options.keyPrefix ?? 'uploads/'
  const secret =
    options.secret === undefined ? randomBytes(32) : Buffer.from(options.secret as string)
  const expiresIn = Math.min(MAX_PART_URL_EXPIRES_IN, Math.max(1, options.partUrlExpiresIn ?? 300))
  const maxFileSize = Math.min(options.maxFileSize ?? S3_MAX_OBJECT_SIZE, S3_MAX_OBJECT_SIZE)
  const minPartSize = options.minPartSize ?? S3_MIN_PART_SIZE
  const owner = options.owner ?? ownerFromAuthorization
  const caps = resolveCaps(options, maxFileSize)
  const openTtl = options.openUploadTtlMs ?? 24 * 60 * 60 * 1000
  const bodyTimeoutMs = options.controlBodyTimeoutMs ?? DEFAULT_CONTROL_BODY_TIMEOUT_MS
  /** Uploads this signer created and has not seen completed or aborted, by UploadId. */
  const open = new Map<string, OpenUpload & { at: number }>()
  const openNow = (): Iterable<OpenUpload> => {
    const now = Date.now()
    for (const [id, upload] of open) if (now - upload.at > openTtl) open.delete(id)
    return open.values()
  }

  function handle(caller: Caller, id: string): UploadHandle {
    let decoded: string
    try {
      decoded = decodeURIComponent(id)
    } catch {
      throw new HttpFailure(404, 'not-found', 'unknown upload id')
    }
    const opened = openHandle(secret, caller.owner, decoded)
    if (!opened) throw new HttpFailure(404, 'not-found', 'unknown upload id')
    return opened
  }

  /** A declared size: a whole number of bytes, at most `limit` (413 beyond). */
  function checkSize(size: unknown, limit: number, what: string): number {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new HttpFailure(400, 'bad-request', `${what}size must be a whole number of bytes`)
    }
    if (size > limit) {
      throw new HttpFailure(413, 'file-too-large', `${what}files may be at most ${limit} bytes`, {
        limit,
      })
    }
    return size
  }

  const contentType = (type: unknown) =>
    typeof type === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : undefined

  async function create(request: Request, caller: Caller): Promise<Response> {
    const body = await readJson(request, 64 * 1024, bodyTimeoutMs)
    const size = body.size
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new HttpFailure(400, 'bad-request', 'size must be a whole number of bytes')
    }
    if (size > maxFileSize) {
      throw new HttpFailure(413, 'file-too-large', `files may be at most ${maxFileSize} bytes`, {
        limit: maxFileSize,
      })
    }
    const partSize = body.partSize ?? defaultPartSize(size)
    if (
      !Number.isSafeInteger(partSize) ||
      (partSize as number) < minPartSize ||
      (partSize as number) > S3_MAX_PART_SIZE ||
      Math.ceil(size / (partSize as number)) > S3_MAX_PARTS
    ) {
      throw new HttpFailure(
        400,
        'bad-request',
        `partSize must be ${minPartSize}..${S3_MAX_PART_SIZE} bytes, in at most ${S3_MAX_PARTS} parts`,
      )
    }
    const refused = checkCaps(caps, openNow(), caller, size)
    if (refused) {
      const { message, limit, unit } = refused
      throw new HttpFailure(429, 'too-many-uploads', message, { limit, unit })
    }
    const name = typeof body.name === 'string' ? body.name : 'file'
    const type =
      typeof body.type === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(body.type)
        ? body.type
        : undefined
    const parsed = parseMetadata(body.metadata)
    if (parsed.problem !== undefined) throw new HttpFailure(400, 'bad-request', parsed.problem)
    const key = objectKey(prefix, name)
    const Metadata = toS3Metadata(parsed.metadata)
    const created = await client
      .send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: type, Metadata }),
      )
      .catch((e: unknown) => {
        throw s3Failure(e)
      })
    const uploadId = created.UploadId
    if (!uploadId) throw new HttpFailure(502, 'storage-error', 'no UploadId from the storage')
    open.set(uploadId, { owner: caller.owner, address: caller.address, size, at: Date.now() })
    const sealed = { key, uploadId, size, partSize: partSize as number }
    return json(201, { id: sealHandle(secret, caller.owner, sealed), key })
  }

  /**
   * `POST /objects`: a presigned single PUT for a small file (the small-file path), bound
   * to its declared size and, when given, its Content-MD5: S3 refuses any other body. The
   * key is generated here like a multipart upload's, and its declared bytes count toward the
   * caller's byte caps until its URL expires (not toward the count of unfinished uploads).
   */
  async function signObject(request: Request, caller: Caller): Promise<Response> {
    const body = await readJson(request, 64 * 1024, bodyTimeoutMs)
    const size = body.size
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new HttpFailure(400, 'bad-request', 'size must be a whole number of bytes')
    }
    const limit = Math.min(maxFileSize, S3_MAX_PART_SIZE)
    if (size > limit) {
      throw new HttpFailure(413, 'file-too-large', `a single PUT may be at most ${limit} bytes`, {
        limit,
      })
    }
    const md5 = body.md5
    if (md5 !== undefined && (typeof md5 !== 'string' || !MD5_BASE64.test(md5))) {
      throw new HttpFailure(400, 'bad-request', 'md5 must be the base64 MD5 of the file')
    }
    const refused = checkCaps(caps, openNow(), caller, size, { signedObject: true })
    if (refused) {
      const { message, limit: capLimit, unit } = refused
      throw new HttpFailure(429, 'too-many-uploads', message, { limit: capLimit, unit })
    }
    const name = typeof body.name === 'string' ? body.name : 'file'
    const key = objectKey(prefix, name)
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: key, ContentMD5: md5, ContentLength: size }),
      {
        expiresIn,
        signableHeaders: new Set(md5 ? ['content-length', 'content-md5'] : ['content-length']),
      },
    )
    // Open until the URL expires: nothing tells the signer when the PUT is done.
    const at = Date.now() - openTtl + expiresIn * 1000
    open.set(`object:${key}`, {
      owner: caller.owner,
      address: caller.address,
      size,
      at,
      signedObject: true,
    })
    return json(200, {
      url,
      headers: md5 ? { 'content-md5': md5 } : {},
      key,
      size,
      expiresAt: Date.now() + expiresIn * 1000,
    })
  }

  /**
   * `POST /objects/batch {files: [{name, size, type}]}`: one presigned POST form for each of
   * up to {@link MAX_BATCH_FILES} small files, in the order given. A form is bound to a key
   * generated here and to the file's exact size; a form POST needs no CORS preflight, so
   * each small file costs the browser one request. Every file is checked like
   * `POST /objects` (size, caps) before any is signed: one bad entry refuses the batch.
   */
  async function signBatch(request: Request, caller: Caller): Promise<Response> {
    const body = await readJson(request, 256 * 1024, bodyTimeoutMs)
    const files = body.files
    if (!Array.isArray(files) || files.length === 0) {
      throw new HttpFailure(400, 'bad-request', 'files must list at least one file')
    }
    if (files.length > MAX_BATCH_FILES) {
      throw new HttpFailure(
        413,
        'too-many-files',
        `a batch may sign at most ${MAX_BATCH_FILES} files`,
        { limit: MAX_BATCH_FILES },
      )
    }
    const limit = Math.min(maxFileSize, S3_MAX_PART_SIZE)
    const wanted = files.map((file: unknown, index) => {
      if (!isPlainObject(file)) {
        throw new HttpFailure(400, 'bad-request', `files[${index}] must be an object`)
      }
      const size = checkSize(file.size, limit, `files[${index}]: `)
      const name = typeof file.name === 'string' ? file.name : 'file'
      return { key: objectKey(prefix, name), size, type: contentType(file.type) }
    })
    // Counted together: a batch must fit the byte caps as a whole.
    const pending: (OpenUpload & { at: number })[] = []
    const at = Date.now() - openTtl + expiresIn * 1000
    for (const { size } of wanted) {
      const refused = checkCaps(caps, [...openNow(), ...pending], caller, size, {
        signedObject: true,
      })
      if (refused) {
        const { message, limit: capLimit, unit } = refused
        throw new HttpFailure(429, 'too-many-uploads', message, { limit: capLimit, unit })
      }
      pending.push({ owner: caller.owner, address: caller.address, size, at, signedObject: true })
    }
    const forms = await signPostForms(client, bucket, wanted, expiresIn)
    const expiresAt = Date.now() + expiresIn * 1000
    // Open until the forms expire: nothing tells the signer when a POST is done.
    wanted.forEach(({ key }, index) => open.set(`object:${key}`, pending[index]))
    return json(200, {
      objects: wanted.map(({ key, size }, index) => ({
        key,
        size,
        url: forms[index].url,
        fields: forms[index].fields,
        expiresAt,
      })),
    })
  }

  async function sign(request: Request, upload: UploadHandle, n: string): Promise<Response> {
    const partNumber = Number(n)
    const lastPossible = Math.max(1, Math.ceil(upload.size / upload.partSize))
    if (!/^\d+$/.test(n) || partNumber < 1 || partNumber > lastPossible) {
      throw new HttpFailure(400, 'bad-request', `part number must be 1..${lastPossible}`)
    }
    const body = await readJson(request, 4096, bodyTimeoutMs)
    const md5 = body.md5
    if (md5 !== undefined && (typeof md5 !== 'string' || !MD5_BASE64.test(md5))) {
      throw new HttpFailure(400, 'bad-request', 'md5 must be the base64 MD5 of the part')
    }
    // The part's length is signed into the URL: S3 refuses a body of any other size, so a
    // URL cannot carry more than its share of the declared file.
    const length = partLength(upload, partNumber)
    const url = await getSignedUrl(
      client,
      new UploadPartCommand({
        Bucket: bucket,
        Key: upload.key,
        UploadId: upload.uploadId,
        PartNumber: partNumber,
        ContentMD5: md5,
        ContentLength: length,
      }),
      {
        expiresIn,
        signableHeaders: new Set(md5 ? ['content-length', 'content-md5'] : ['content-length']),
      },
    )
    return json(200, {
      url,
      // Browsers set Content-Length themselves; it is listed for other clients.
      headers: md5 ? { 'content-md5': md5 } : {},
      size: length,
      expiresAt: Date.now() + expiresIn * 1000,
    })
  }

  async function list(upload: UploadHandle): Promise<Response> {
    const parts: { partNumber: number; etag: string; size: number }[] = []
    let marker: string | undefined
    // S3 answers at most 1,000 parts a page: follow every page.
    for (let page = 0; page < 20; page++) {
      const answer = await client
        .send(
          new ListPartsCommand({
            Bucket: bucket,
            Key: upload.key,
            UploadId: upload.uploadId,
            PartNumberMarker: marker,
          }),
        )
        .catch((e: unknown) => {
          throw s3Failure(e)
        })
      for (const p of answer.Parts ?? []) {
        parts.push({ partNumber: p.PartNumber!, etag: p.ETag ?? '', size: p.Size ?? 0 })
      }
      if (!answer.IsTruncated) return json(200, { parts })
      marker = answer.NextPartNumberMarker
    }
    throw new HttpFailure(502, 'storage-error', 'ListParts did not end')
  }

  async function complete(request: Request, upload: UploadHandle): Promise<Response> {
    const body = await readJson(request, 2 * MiB, bodyTimeoutMs)
    const raw = body.parts
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > S3_MAX_PARTS) {
      throw new HttpFailure(400, 'bad-request', `parts must list 1..${S3_MAX_PARTS} parts`)
    }
    const parts = raw.map((p: unknown) => {
      const { partNumber, etag } = (p ?? {}) as Record<string, unknown>
      if (!Number.isSafeInteger(partNumber) || typeof etag !== 'string' || !ETAG.test(etag)) {
        throw new HttpFailure(400, 'bad-request', 'each part needs partNumber and etag')
      }
      return { PartNumber: partNumber as number, ETag: `"${etag.replace(/"/g, '')}"` }
    })
    let etag: string | undefined
    try {
      const done = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: upload.key,
          UploadId: upload.uploadId,
          MultipartUpload: { Parts: parts },
        }),
      )
      etag = done.ETag
    } catch (error) {
      // A retried Complete whose first try succeeded: the object is there.
      if (!isGone(error)) throw s3Failure(error)
    }
    const head = await client
      .send(new HeadObjectCommand({ Bucket: bucket, Key: upload.key }))
      .catch((e: unknown) => {
        throw (e as { name?: string }).name === 'NotFound'
          ? new HttpFailure(404, 'not-found', 'no such upload')
          : s3Failure(e)
      })
    open.delete(upload.uploadId)
    if (head.ContentLength !== upload.size) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: upload.key }))
      throw new HttpFailure(
        422,
        'size-mismatch',
        `the object has ${head.ContentLength} bytes, ${upload.size} were declared`,
      )
    }
    return json(200, {
      key: upload.key,
      bucket,
      // `||`, not `??`: Ceph RGW answers Complete with an empty <ETag></ETag>; HEAD has it.
      etag: (etag || head.ETag || '').replace(/"/g, ''),
      size: head.ContentLength,
    })
  }

  async function abort(upload: UploadHandle): Promise<Response> {
    try {
      await client.send(
        new AbortMultipartUploadCommand({
          Bucket: bucket,
          Key: upload.key,
          UploadId: upload.uploadId,
        }),
      )
    } catch (error) {
      if (!isGone(error)) throw s3Failure(error)
    }
    open.delete(upload.uploadId)
    return new Response(null, { status: 204 })
  }

  const route = async (request: Request, context?: RequestContext): Promise<Response> => {
    const path = new URL(request.url).pathname.slice(basePath.length)
    // Control bodies are JSON: a form or text/plain POST is what a foreign page can send
    // without a preflight.
    if (request.method === 'POST' && !isJson(request)) {
      throw new HttpFailure(
        415,
        'unsupported-media-type',
        'control requests must be sent as Content-Type: application/json',
      )
    }
    const caller = await identify(request, context, owner)
    if (/^\/objects\/?$/.test(path)) {
      if (request.method === 'POST') return signObject(request, caller)
      throw new HttpFailure(405, 'method-not-allowed', 'method not allowed')
    }
    if (/^\/objects\/batch\/?$/.test(path)) {
      if (request.method === 'POST') return signBatch(request, caller)
      throw new HttpFailure(405, 'method-not-allowed', 'method not allowed')
    }
    const m = /^\/uploads(?:\/([^/]+)(\/parts(?:\/([^/]+))?|\/complete)?)?\/?$/.exec(path)
    if (!m) throw new HttpFailure(404, 'not-found', 'no such route')
    const [, id, tail, n] = m
    if (!id) {
      if (request.method === 'POST') return create(request, caller)
    } else {
      const upload = handle(caller, id)
      if (tail === undefined && request.method === 'DELETE') return abort(upload)
      if (tail === '/complete' && request.method === 'POST') return complete(request, upload)
      if (tail === '/parts' && request.method === 'GET') return list(upload)
      if (n !== undefined && request.method === 'POST') return sign(request, upload, n)
    }
    throw new HttpFailure(405, 'method-not-allowed', 'method not allowed')
  }

  return withCors(async (request, context) => {
    try {
      return await route(request, context)
    } catch (error) {
      const failure = error instanceof HttpFailure ? error : s3Failure(error)
      return json(
        failure.status,
        { error: { code: failure.code, message: failure.message, ...failure.details } },
        failure instanceof HttpFailure ? failure.headers : {},
      )
    }
  }, options.cors)
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
