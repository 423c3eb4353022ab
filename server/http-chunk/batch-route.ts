import { completionBody } from './bodies'
import { admitUpload } from './control-routes'
import { BodyReader } from './body-reader'
import { HttpError, badRequest, jsonResponse } from './errors'
import { ingestWhole, type PieceSource } from './ingest'
import type { CompletedMeta } from './meta'
import type { Creator, FileStore } from './store'
import { hashMismatch, parseSmall } from './small-route'
import type { UploadLimits } from './validate'

/** Files in one batch, at most. */
export const MAX_BATCH_FILES = 64
/** A manifest is at most this many bytes (64 files with long names and metadata fit). */
export const MAX_MANIFEST_BYTES = 1024 * 1024
/** A part's headers are at most this many bytes. */
const MAX_PART_HEADERS = 8 * 1024

/** MD5 of no bytes. */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e'

const CRLF = Buffer.from('\r\n')
const CLOSE = Buffer.from('--')

const malformed = (what: string) => badRequest(`the body is not a batch form: ${what}`)

/**
 * Reads a multipart/form-data body whose file parts have sizes known in advance (the
 * manifest's): text up to a delimiter, exactly so many bytes, or a file's bytes as a piece
 * source. What a read fetched past its end is kept for the next.
 */
class FormReader {
  private left: Buffer = Buffer.alloc(0)
  private remaining = 0

  constructor(private readonly body: BodyReader) {}

  /** The bytes before the next `delimiter` (consumed too), at most `max` of them. */
  async until(delimiter: Buffer, max: number, what: string): Promise<Buffer> {
    let from = 0
    for (;;) {
      const at = this.left.indexOf(delimiter, from)
      if (at >= 0) {
        const head = this.left.subarray(0, at)
        this.left = this.left.subarray(at + delimiter.length)
        return head
      }
      if (this.left.length > max + delimiter.length) throw malformed(`${what} is too long`)
      from = Math.max(0, this.left.length - delimiter.length + 1)
      const piece = await this.body.read()
      if (piece === null) throw malformed(`the body ended in ${what}`)
      this.left = Buffer.concat([this.left, piece])
    }
  }

  /** Exactly `size` bytes. */
  async exactly(size: number, what: string): Promise<Buffer> {
    while (this.left.length < size) {
      const piece = await this.body.read()
      if (piece === null) throw malformed(`the body ended in ${what}`)
      this.left = Buffer.concat([this.left, piece])
    }
    const head = this.left.subarray(0, size)
    this.left = this.left.subarray(size)
    return head
  }

  /** The next `size` bytes as a piece source, streamed (it ends after them). */
  next(size: number): PieceSource {
    this.remaining = size
    return { read: () => this.read() }
  }

  private async read(): Promise<Uint8Array | null> {
    if (this.remaining === 0) return null
    let piece: Uint8Array
    if (this.left.length > 0) {
      piece = this.left
      this.left = Buffer.alloc(0)
    } else {
      const read = await this.body.read()
      if (read === null) return null
      piece = read
    }
    if (piece.byteLength <= this.remaining) {
      this.remaining -= piece.byteLength
      return piece
    }
    this.left = Buffer.from(
      piece.buffer,
      piece.byteOffset + this.remaining,
      piece.byteLength - this.remaining,
    )
    const head = piece.subarray(0, this.remaining)
    this.remaining = 0
    return head
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
}

/** A part's `name`, from its headers (Content-Disposition: form-data; name="…"). */
function partName(headers: Buffer): string {
  const text = headers.toString('latin1')
  const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(text)?.[1] ?? ''
  const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1]
  if (name === undefined) throw malformed('a part has no form-data name')
  return name
}

/** The multipart boundary of the request's Content-Type. */
function boundaryOf(request: Request): Buffer {
  const type = request.headers.get('content-type') ?? ''
  const match =
    /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(type)
  if (!match) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      'a batch is sent as multipart/form-data: the manifest, then one "file" part per file',
    )
  }
  return Buffer.from(`--${match[1] ?? match[2]}`)
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
 * `PUT /uploads` would. The body is multipart/form-data: a `manifest` part (UTF-8 JSON,
 * `{ "files": [create fields…] }`), then one `file` part per manifest entry, in its order,
 * each exactly its entry's `size` bytes (what a browser's FormData of the files sends). Each
 * file is checked, stored, made durable and verified on its own, and answered on its own
 * (200 with one answer per file): a file refused (too large, a type not accepted, over a
 * cap, a hash mismatch) does not stop the others. A failure of the request itself (a
 * malformed form or manifest, a part of another length, a body cut or stalled) deletes
 * every file it stored: like a lone small file, a batch leaves nothing behind unless it is
 * answered.
 */
export async function putBatch(
  request: Request,
  store: FileStore,
  limits: UploadLimits,
  creator: Creator,
  stallTimeoutMs: number,
): Promise<Response> {
  const dash = boundaryOf(request)
  const delimiter = Buffer.concat([CRLF, dash])
  if (!request.body) throw badRequest('a body is required')
  const body = new BodyReader(request.body.getReader(), stallTimeoutMs)
  const stored: CompletedMeta[] = []
  const answers: Promise<FileAnswer>[] = []
  let answered = false
  try {
    const form = new FormReader(body)
    /** After a delimiter: CRLF and a part's headers, or `--` and the end. */
    const nextPart = async (what: string): Promise<string | undefined> => {
      const after = await form.exactly(2, what)
      if (after.equals(CLOSE)) return undefined
      if (!after.equals(CRLF)) throw malformed(`a delimiter is not followed by CRLF`)
      return partName(await form.until(Buffer.from('\r\n\r\n'), MAX_PART_HEADERS, 'part headers'))
    }
    await form.until(dash, MAX_PART_HEADERS, 'the preamble')
    if ((await nextPart('the manifest')) !== 'manifest')
      throw malformed('the first part must be "manifest"')
    const infos = readManifest(await form.until(delimiter, MAX_MANIFEST_BYTES, 'the manifest'))
    // Each file is read in turn; while one is synced the next is already being received.
    for (const info of infos) {
      const size = info.size as number
      if ((await nextPart('a file')) !== 'file')
        throw malformed(
          `the manifest lists ${infos.length} files; part ${answers.length + 2} is not "file"`,
        )
      let upload: ReturnType<typeof parseSmall> | undefined
      let refused: HttpError | undefined
      try {
        upload = parseSmall(info, limits)
        await admitUpload(store, limits, creator, size)
      } catch (error) {
        if (!(error instanceof HttpError)) throw error
        refused = error
      }
      if (refused || !upload) {
        await form.skip(size)
        answers.push(Promise.resolve(refusal(refused!)))
      } else {
        const { hash, ...fields } = upload
        let received!: () => void
        const read = new Promise<void>((resolve) => (received = resolve))
        const source = form.next(size)
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
            if (result.kind === 'mismatch') return refusal(hashMismatch(result.hash, hash))
            throw new Error('a small upload did not complete')
          })
        answers.push(outcome)
        // The next part follows this file's bytes: wait until they are read (or it failed).
        await Promise.race([read, outcome.then(() => undefined)])
      }
      // A part of another length than its entry says runs into, or short of, the delimiter.
      const tail = await form.exactly(delimiter.length, 'a file')
      if (!tail.equals(delimiter))
        throw new HttpError(
          400,
          'chunk-size-mismatch',
          `file ${answers.length} is not ${size} bytes`,
        )
    }
    if ((await nextPart('the end')) !== undefined)
      throw malformed(`the manifest lists ${infos.length} files; the form has more parts`)
    const settled = await Promise.allSettled(answers)
    const files: FileAnswer[] = []
    for (const answer of settled) {
      if (answer.status === 'rejected') throw answer.reason
      files.push(answer.value)
    }
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
