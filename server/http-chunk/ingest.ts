import { createHash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { BatchWriter } from './batch-writer'
import { ClientGone, type BodyReader } from './body-reader'
import { HttpError, notFound } from './errors'
import type { UploadState } from './upload-state'

/**
 * Streams one chunk's body into the part file, from `offset` bytes into the chunk (0, or
 * where a cut request stopped), hashing it on the way when the client sent a Content-MD5.
 * The caller holds the chunk's claim and records the chunk only when this resolves. When the
 * body breaks off (a cut or a stall), the bytes written so far are kept as the chunk's
 * partial prefix, unless a Content-MD5 was to check them.
 */
export async function ingestChunk(options: {
  upload: UploadState
  index: number
  handle: FileHandle
  body: BodyReader
  md5: Buffer | null
  offset: number
}): Promise<void> {
  const { upload, index, handle, body, md5, offset } = options
  const expected = upload.chunkLength(index) - offset
  const start = index * upload.meta.chunkSize + offset
  const hash = md5 ? createHash('md5') : null
  const writer = new BatchWriter(handle)
  let received = 0
  try {
    for (;;) {
      const piece = await body.read()
      if (piece === null) break
      received += piece.byteLength
      if (received > expected) throw sizeMismatch(index, expected, received)
      hash?.update(piece)
      writer.append(piece, start + received - piece.byteLength)
      if (writer.full) await writer.flush()
    }
    await writer.settle()
  } catch (error) {
    if (error instanceof ClientGone && !md5)
      await keepPrefix(upload, index, writer, offset + received)
    throw error
  }
  if (received !== expected) throw sizeMismatch(index, expected, received)
  if (hash && md5 && !hash.digest().equals(md5)) {
    throw new HttpError(400, 'bad-digest', `chunk ${index} does not match its Content-MD5`)
  }
}

/** After a cut: once what was read is on disk, `held` bytes of the chunk are its prefix. */
async function keepPrefix(
  upload: UploadState,
  index: number,
  writer: BatchWriter,
  held: number,
): Promise<void> {
  try {
    await writer.settle()
    upload.setPartial(index, held)
  } catch {
    upload.setPartial(index, 0) // the write failed: nothing of this request can be trusted
  }
}

const sizeMismatch = (index: number, expected: number, got: number): HttpError =>
  new HttpError(400, 'chunk-size-mismatch', `chunk ${index} must be ${expected} bytes, got ${got}`)

/**
 * Streams a body that starts at chunk boundary `offset` into the part file, recording each
 * chunk as soon as its last byte is on disk. Chunks already held, or being written by
 * another request, are read past without writing. When the body breaks off, every chunk
 * that arrived whole is still recorded and persisted before the error is rethrown, and the
 * bytes of the chunk it was in the middle of are kept as that chunk's partial prefix.
 */
export async function ingestStream(options: {
  upload: UploadState
  handle: FileHandle
  body: BodyReader
  offset: number
}): Promise<void> {
  const { upload, handle, body } = options
  const { size, chunkSize } = upload.meta
  const writer = new BatchWriter(handle)
  let position = options.offset
  let chunk = position / chunkSize
  let chunkEnd = Math.min(size, position + chunkSize)
  /** Every chunk this request claimed; all are released at the end (a no-op once held). */
  const claimed: number[] = []
  const claim = (index: number): boolean => {
    const ok = index < upload.meta.chunkCount && upload.claim(index)
    if (!ok) return false
    claimed.push(index)
    upload.setPartial(index, 0) // rewritten from its start: an older prefix no longer counts
    return true
  }
  let writing = claim(chunk)
  /** Chunks whose last byte is in the pending batch: recorded once that batch is written. */
  let finished: number[] = []

  const record = (chunks: number[]) => () => {
    for (const index of chunks) {
      upload.markReceived(index)
      upload.release(index)
    }
    if (chunks.length > 0) upload.schedulePersist()
  }
  const flush = async (): Promise<void> => {
    const chunks = finished
    finished = []
    await writer.flush(record(chunks))
  }

  /** Our own refusals (413, an abort) keep nothing of the chunk being written. */
  let refused = false
  try {
    for (;;) {
      const piece = await body.read()
      if (piece === null) break
      if (position + piece.byteLength > size) {
        throw new HttpError(
          413,
          'body-too-large',
          `the body runs past the end of the file (${size} bytes)`,
        )
      }
      let rest = piece
      while (rest.byteLength > 0) {
        const take = Math.min(rest.byteLength, chunkEnd - position)
        if (writing)
          writer.append(take === rest.byteLength ? rest : rest.subarray(0, take), position)
        position += take
        rest = rest.subarray(take)
        if (position < chunkEnd) continue
        if (writing) finished.push(chunk)
        chunk++
        chunkEnd = Math.min(size, chunkEnd + chunkSize)
        // A finished chunk goes to disk now, not when the batch fills: it must be recorded
        // even if the client stalls right after it (chunks are ≥ 256 KiB, so writes stay big).
        if (writing) await flush()
        writing = claim(chunk)
      }
      if (writer.full) await flush()
      if (upload.removed) throw notFound('the upload was aborted')
    }
  } catch (error) {
    refused = error instanceof HttpError
    throw error
  } finally {
    // Whatever happened, whole chunks already read are written and recorded, the one cut
    // short is kept as that chunk's prefix, and the meta reaches disk before the request ends.
    const cut = writing && !refused ? chunk : -1
    try {
      await writer.settle(record(finished))
      if (cut >= 0) upload.setPartial(cut, position - cut * chunkSize)
    } finally {
      for (const index of claimed) upload.release(index)
      await upload.persist()
    }
  }
}

/** Where a whole file's bytes come from: a request body, or one file's share of a batch body. */
export interface PieceSource {
  /** The next piece, or null at the end. */
  read(): Promise<Uint8Array | null>
}

/**
 * Streams a whole file's body into `handle` from byte 0, hashing it on the way in, and
 * resolves with its MD5 (lower-case hex): the small-file route never reads the file back.
 * The body must be exactly `size` bytes. Every write has ended when this settles, even
 * when it throws, so the caller may close and delete the file at once.
 */
export async function ingestWhole(options: {
  handle: FileHandle
  body: PieceSource
  size: number
}): Promise<string> {
  const { handle, body, size } = options
  const hash = createHash('md5')
  const writer = new BatchWriter(handle)
  let received = 0
  try {
    for (;;) {
      const piece = await body.read()
      if (piece === null) break
      if (received + piece.byteLength > size) {
        throw new HttpError(413, 'body-too-large', `the body runs past ${size} bytes`)
      }
      hash.update(piece)
      writer.append(piece, received)
      received += piece.byteLength
      if (writer.full) await writer.flush()
    }
  } catch (error) {
    await writer.settle().catch(() => undefined)
    throw error
  }
  await writer.settle()
  if (received !== size) {
    throw new HttpError(400, 'chunk-size-mismatch', `the body ended before ${size} bytes`)
  }
  return hash.digest('hex')
}
