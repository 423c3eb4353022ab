import { completionBody } from './bodies'
import { admitUpload } from './control-routes'
import { BodyReader } from './body-reader'
import { HttpError, badRequest, jsonResponse } from './errors'
import { ingestWhole, type PieceSource } from './ingest'
import type { CompletedMeta } from './meta'
import type { Creator, FileStore } from './store'
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, parseCreate } from './validate'
import type { UploadLimits } from './validate'

/** The header that carries the manifest's length in bytes (docs/http-protocol.md, "Small files together"). */
export const UPLOAD_BATCH_HEADER = 'upload-batch'

/** Files in one batch, at most. */
export const MAX_BATCH_FILES = 64
/** A manifest is at most this many bytes (64 files with long names and metadata fit). */
export const MAX_MANIFEST_BYTES = 1024 * 1024

/** MD5 of no bytes. */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e'

/**
 * Hands out a body's pieces up to a byte limit at a time, keeping what runs past it for the
 * next `next(limit)`: the files of a batch are one body, one after the other.
 */
class BodySlices {
  private left: Uint8Array | null = null
  private remaining = 0

  constructor(private readonly body: BodyReader) {}

  /** The next `limit` bytes as a piece source (it ends after them). */
  next(limit: number): PieceSource {
    this.remaining = limit
    return { read: () => this.read() }
  }

  private async read(): Promise<Uint8Array | null> {
    if (this.remaining === 0) return null
    const piece = this.left ?? (await this.body.read())
    this.left = null
    if (piece === null) return null
    if (piece.byteLength <= this.remaining) {
      this.remaining -= piece.byteLength
      return piece
    }
    this.left = piece.subarray(this.remaining)
    const head = piece.subarray(0, this.remaining)
    this.remaining = 0
    return head
  }

  /** Reads the next `size` bytes whole (the manifest). */
  async bytes(size: number): Promise<Uint8Array> {
    const out = new Uint8Array(size)
    const source = this.next(size)
    let at = 0
    for (let piece = await source.read(); piece !== null; piece = await source.read()) {
      out.set(piece, at)
      at += piece.byteLength
    }
    if (at !== size)
      throw new HttpError(400, 'chunk-size-mismatch', 'the body ended in the manifest')
    return out
  }

  /** Reads and drops the next `size` bytes (a file the server refused). */
  async skip(size: number): Promise<void> {
    const source = this.next(size)
    let at = 0
    for (let piece = await source.read(); piece !== null; piece = await source.read())
      at += piece.byteLength
    if (at !== size)
      throw new HttpError(400, 'chunk-size-mismatch', `the body ended before ${size} bytes`)
  }

  /** Whether anything follows the last file. */
  async atEnd(): Promise<boolean> {
    if (this.left !== null && this.left.byteLength > 0) return false
    return (await this.body.read()) === null
  }
}

/** One file's answer in a batch: the completion body, or the error a lone request would get. */
type FileAnswer =
  | { readonly status: 201; readonly file: Record<string, unknown> }
  | { readonly status: number; readonly error: Record<string, unknown> }

const refusal = (error: HttpError): FileAnswer => ({
  status: error.status,
  error: { code: error.code, message: error.message, ...error.details },
})

/** Parses the manifest: `{ "files": [create fields…] }`, each with a whole-number `size`. */
function readManifest(bytes: Uint8Array): Record<string, unknown>[] {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw badRequest('the manifest must be UTF-8 JSON')
  }
  const files = (value as { files?: unknown } | null)?.files
  if (!Array.isArray(files) || files.length === 0 || files.length > MAX_BATCH_FILES)
    throw badRequest(`the manifest must hold "files": 1 to ${MAX_BATCH_FILES} create bodies`)
  for (const info of files) {
    if (typeof info !== 'object' || info === null || Array.isArray(info))
      throw badRequest('each manifest entry must be a JSON object')
    const size = (info as { size?: unknown }).size
    if (!Number.isSafeInteger(size) || (size as number) < 0)
      throw badRequest('each manifest entry needs size, a whole number of bytes')
  }
  return files as Record<string, unknown>[]
}

/**
 * `PUT /uploads/batch`: several small files in one request, each created and completed as
 * `PUT /uploads` would. The body is the manifest (UTF-8 JSON, as many bytes as the
 * `Upload-Batch` header says) followed by every file's bytes in the manifest's order. Each
 * file is checked, stored, made durable and verified on its own, and answered on its own
 * (200 with one answer per file): a file refused (too large, a type not accepted, over a
 * cap, a hash mismatch) does not stop the others. A failure of the request itself (a
 * malformed manifest, a wrong length, a body cut or stalled) deletes every file it stored:
 * like a lone small file, a batch leaves nothing behind unless it is answered.
 */
export async function putBatch(
  request: Request,
  store: FileStore,
  limits: UploadLimits,
  creator: Creator,
  stallTimeoutMs: number,
): Promise<Response> {
  const rawLength = request.headers.get(UPLOAD_BATCH_HEADER) ?? ''
  if (!/^\d{1,7}$/.test(rawLength))
    throw badRequest('Upload-Batch is required: the manifest length in bytes')
  const manifestLength = Number(rawLength)
  if (manifestLength === 0 || manifestLength > MAX_MANIFEST_BYTES)
    throw badRequest(`the manifest must be 1 to ${MAX_MANIFEST_BYTES} bytes`)
  if (!request.body) throw badRequest('a body is required')
  const body = new BodyReader(request.body.getReader(), stallTimeoutMs)
  const stored: CompletedMeta[] = []
  const answers: Promise<FileAnswer>[] = []
  let answered = false
  try {
    const slices = new BodySlices(body)
    const infos = readManifest(await slices.bytes(manifestLength))
    const total = infos.reduce((sum, info) => sum + (info.size as number), manifestLength)
    const declared = request.headers.get('content-length')
    if (declared !== String(total)) {
      throw new HttpError(
        400,
        'chunk-size-mismatch',
        `the body must be ${total} bytes (the manifest and its files), got ${declared ?? 'no Content-Length'}`,
      )
    }
    // Each file is read in turn; while one is synced the next is already being received.
    for (const info of infos) {
      const size = info.size as number
      let upload: ReturnType<typeof parseCreate>
      try {
        if (info.chunkSize === undefined)
          info.chunkSize = Math.min(MAX_CHUNK_SIZE, Math.max(MIN_CHUNK_SIZE, size))
        upload = parseCreate(info, limits)
        await admitUpload(store, limits, creator, size)
      } catch (error) {
        if (!(error instanceof HttpError)) throw error
        await slices.skip(size)
        answers.push(Promise.resolve(refusal(error)))
        continue
      }
      const { hash, ...fields } = upload
      let received!: () => void
      const read = new Promise<void>((resolve) => (received = resolve))
      const source = slices.next(size)
      const outcome = store
        .storeWhole(
          fields,
          creator,
          async (handle) => {
            try {
              return size === 0 ? EMPTY_MD5 : await ingestWhole({ handle, body: source, size })
            } finally {
              received()
            }
          },
          hash,
        )
        .then((result): FileAnswer => {
          if (result.kind === 'done') {
            stored.push(result.file)
            return { status: 201, file: completionBody(result.file) }
          }
          if (result.kind === 'mismatch')
            return refusal(
              new HttpError(
                422,
                'hash-mismatch',
                `the received file's MD5 is ${result.hash}, the client sent ${hash ?? ''}`,
                { hash: result.hash },
              ),
            )
          throw new Error('a small upload did not complete')
        })
      // The next file's bytes follow this one's: wait until they are read (or it failed).
      await Promise.race([read, outcome.then(() => undefined)])
      answers.push(outcome)
    }
    const settled = await Promise.allSettled(answers)
    const files: FileAnswer[] = []
    for (const answer of settled) {
      if (answer.status === 'rejected') throw answer.reason
      files.push(answer.value)
    }
    if (!(await slices.atEnd()))
      throw new HttpError(413, 'body-too-large', 'the body runs past its files')
    answered = true
    return jsonResponse({ files })
  } catch (error) {
    if (error instanceof HttpError) await body.cancel()
    throw error
  } finally {
    body.close()
    if (!answered) {
      // Nothing the client is not told about is kept: files still being stored are waited
      // for, then every stored one is deleted.
      await Promise.allSettled(answers)
      await Promise.allSettled(stored.map((file) => store.abort(file.id)))
    }
  }
}
