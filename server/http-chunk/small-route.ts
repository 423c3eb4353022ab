import { completionBody } from './bodies'
import { admitUpload } from './control-routes'
import { BodyReader } from './body-reader'
import { HttpError, badRequest, jsonResponse } from './errors'
import { ingestWhole } from './ingest'
import type { Creator, FileStore } from './store'
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, parseCreate } from './validate'
import type { UploadLimits } from './validate'

/** The header that carries what a create body would (docs/http-protocol.md, "Small files"). */
export const UPLOAD_INFO_HEADER = 'upload-info'

/** MD5 of no bytes. */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e'

/** A percent-encoded JSON object is at most this long; like a create body, it is tiny. */
const MAX_INFO_LENGTH = 16 * 1024

/** Reads the `Upload-Info` header: percent-encoded JSON of the create body's fields. */
function readInfo(request: Request): Record<string, unknown> {
  const raw = request.headers.get(UPLOAD_INFO_HEADER)
  if (raw === null) throw badRequest('Upload-Info is required: the create fields as JSON')
  if (raw.length > MAX_INFO_LENGTH)
    throw badRequest(`Upload-Info must be at most ${MAX_INFO_LENGTH} characters`)
  let value: unknown
  try {
    value = JSON.parse(decodeURIComponent(raw))
  } catch {
    throw badRequest('Upload-Info must be percent-encoded JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('Upload-Info must be a JSON object')
  return value as Record<string, unknown>
}

/** A whole small file's create fields, checked like a create body; one chunk when it fits. */
export function parseSmall(info: Record<string, unknown>, limits: UploadLimits) {
  // Chunks are the unit of the status query, never sent here.
  const size = info.size
  if (info.chunkSize === undefined && Number.isSafeInteger(size)) {
    info.chunkSize = Math.min(MAX_CHUNK_SIZE, Math.max(MIN_CHUNK_SIZE, size as number))
  }
  return parseCreate(info, limits)
}

/** 422: the received file's MD5 is not the one the client sent. */
export const hashMismatch = (received: string, sent: string | null): HttpError =>
  new HttpError(
    422,
    'hash-mismatch',
    `the received file's MD5 is ${received}, the client sent ${sent ?? ''}`,
    { hash: received },
  )

/**
 * `PUT /uploads`: a whole small file in one request that creates and completes the upload.
 * The create fields come in `Upload-Info` and are checked like a create body (size, name,
 * type, owner caps, free space); the body must be exactly `size` bytes. It is written
 * straight into its final place, hashed on the way in, and is durable and complete
 * (MD5-verified when `hash` is given) before the answer (FileStore.storeWhole). Any failure —
 * a wrong length, a cut or stalled body, a hash mismatch — deletes it: the file only ever
 * appears complete, and a failed request leaves nothing behind.
 */
export async function putSmall(
  request: Request,
  store: FileStore,
  limits: UploadLimits,
  creator: Creator,
  stallTimeoutMs: number,
): Promise<Response> {
  const { hash, ...upload } = parseSmall(readInfo(request), limits)
  const declared = request.headers.get('content-length')
  if (declared !== String(upload.size)) {
    throw new HttpError(
      400,
      'chunk-size-mismatch',
      `the body must be ${upload.size} bytes, got ${declared ?? 'no Content-Length'}`,
    )
  }
  await admitUpload(store, limits, creator, upload.size)
  const body =
    upload.size > 0 && request.body
      ? new BodyReader(request.body.getReader(), stallTimeoutMs)
      : null
  if (upload.size > 0 && !body) throw badRequest('a body is required')
  try {
    // Called at once, with no await since the admission check: the file counts toward the
    // caps from now on, so concurrent requests cannot all pass the check before any counts.
    const outcome = await store.storeWhole(
      upload,
      creator,
      async (handle) => {
        if (!body) return EMPTY_MD5
        try {
          return await ingestWhole({ handle, body, size: upload.size })
        } catch (error) {
          if (error instanceof HttpError) await body.cancel()
          throw error
        }
      },
      hash,
    )
    if (outcome.kind === 'mismatch') throw hashMismatch(outcome.hash, hash)
    if (outcome.kind !== 'done') throw new Error('a small upload did not complete')
    return jsonResponse(completionBody(outcome.file), 201)
  } finally {
    body?.close()
  }
}
