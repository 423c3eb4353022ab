import type { FileHandle } from 'node:fs/promises'
import { completedStatus, uploadStatus } from './bodies'
import { requireKnown } from './control-routes'
import { BodyReader } from './body-reader'
import { HttpError, badRequest, jsonResponse, notFound } from './errors'
import { ingestChunk, ingestStream } from './ingest'
import type { FileStore } from './store'
import type { UploadState } from './upload-state'

const INDEX = /^(0|[1-9][0-9]{0,8})$/
const OFFSET = /^(0|[1-9][0-9]{0,15})$/
const BASE64_MD5 = /^[A-Za-z0-9+/]{22}==$/

const busy = (index: number): HttpError =>
  new HttpError(
    503,
    'busy',
    `chunk ${index} is being written by another request`,
    {},
    { 'retry-after': '1' },
  )

/**
 * `Upload-Offset` of a chunk PUT: where in the chunk the body starts (0 when absent). Only
 * the prefix the server reported as `partial` may be skipped (checked under the claim).
 */
function chunkOffset(request: Request, length: number): number {
  const raw = request.headers.get('upload-offset')
  if (raw === null) return 0
  const offset = OFFSET.test(raw.trim()) ? Number(raw.trim()) : -1
  if (offset < 0 || offset >= length)
    throw new HttpError(400, 'bad-offset', `Upload-Offset must be in [0, ${length}), got "${raw}"`)
  return offset
}

const offsetMismatch = (upload: UploadState, index: number): HttpError =>
  new HttpError(
    409,
    'offset-mismatch',
    `chunk ${index} holds ${upload.partialOf(index)} bytes; send it from there or whole`,
    { offset: upload.partialOf(index) },
  )

/** Reads the request body through a stall-guarded reader that is released whatever happens. */
async function withBody<T>(
  request: Request,
  stallTimeoutMs: number,
  use: (body: BodyReader) => Promise<T>,
): Promise<T> {
  if (!request.body) throw badRequest('a body is required')
  const body = new BodyReader(request.body.getReader(), stallTimeoutMs)
  try {
    return await use(body)
  } finally {
    body.close()
  }
}

async function withPart<T>(
  store: FileStore,
  upload: UploadState,
  use: (handle: FileHandle) => Promise<T>,
): Promise<T> {
  const handle = await store.openPart(upload)
  try {
    return await use(handle)
  } finally {
    await handle.close()
  }
}

/**
 * `PUT /uploads/:id/chunks/:index`. Unread bodies (refusals, re-sent held chunks) are left
 * to the server runtime to discard, which keeps the connection usable for the answer.
 */
export async function putChunk(
  request: Request,
  store: FileStore,
  id: string,
  rawIndex: string,
  stallTimeoutMs: number,
  owner: string,
): Promise<Response> {
  const found = requireKnown(store.lookup(id), owner)
  if (found.state === 'complete') return new Response(null, { status: 204 })
  const upload = found.upload
  const index = INDEX.test(rawIndex) ? Number(rawIndex) : -1
  if (index < 0 || index >= upload.meta.chunkCount) {
    throw badRequest(`chunk index must be in [0, ${upload.meta.chunkCount})`)
  }
  const length = upload.chunkLength(index)
  const offset = chunkOffset(request, length)
  const expected = length - offset
  const declared = request.headers.get('content-length')
  if (declared !== String(expected)) {
    throw new HttpError(
      400,
      'chunk-size-mismatch',
      `chunk ${index} ${offset > 0 ? `from byte ${offset} ` : ''}must be ${expected} bytes, got ${declared ?? 'no Content-Length'}`,
    )
  }
  const md5Header = request.headers.get('content-md5')
  if (md5Header !== null && !BASE64_MD5.test(md5Header.trim()))
    throw badRequest('Content-MD5 must be the base64 of 16 bytes')
  const md5 = md5Header === null ? null : Buffer.from(md5Header.trim(), 'base64')
  if (upload.received.has(index)) return new Response(null, { status: 204 })
  if (!upload.claim(index)) throw upload.removed ? notFound() : busy(index)
  try {
    // Checked under the claim: no other request can move the prefix meanwhile.
    if (offset > 0 && offset !== upload.partialOf(index)) throw offsetMismatch(upload, index)
    await withBody(request, stallTimeoutMs, async (body) => {
      await body.waitForData()
      await withPart(store, upload, (handle) =>
        ingestChunk({ upload, index, handle, body, md5, offset }),
      )
    })
    upload.markReceived(index)
  } finally {
    upload.release(index)
  }
  // The answer is an acknowledgement the client persists: the record must be on disk first.
  await upload.persist()
  return new Response(null, { status: 204 })
}

/** `PUT /uploads/:id/stream` */
export async function putStream(
  request: Request,
  store: FileStore,
  id: string,
  stallTimeoutMs: number,
  owner: string,
): Promise<Response> {
  const found = requireKnown(store.lookup(id), owner)
  if (found.state === 'complete') return jsonResponse(completedStatus(found.file))
  const upload = found.upload
  const { size, chunkSize } = upload.meta
  const rawOffset = request.headers.get('upload-offset') ?? ''
  const offset = OFFSET.test(rawOffset) ? Number(rawOffset) : -1
  if (offset < 0 || offset > size || offset % chunkSize !== 0) {
    throw new HttpError(
      400,
      'bad-offset',
      `Upload-Offset must be a multiple of ${chunkSize} within the file, got "${rawOffset}"`,
    )
  }
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > size - offset) {
    throw new HttpError(
      413,
      'body-too-large',
      `the body may hold at most ${size - offset} bytes from offset ${offset}`,
    )
  }
  await withBody(request, stallTimeoutMs, async (body) => {
    await body.waitForData()
    await withPart(store, upload, async (handle) => {
      try {
        await ingestStream({ upload, handle, body, offset })
      } catch (error) {
        if (error instanceof HttpError) await body.cancel()
        throw error
      }
    })
  })
  return jsonResponse(uploadStatus(upload))
}
