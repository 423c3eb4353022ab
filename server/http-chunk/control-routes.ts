import { checkCaps, freeBytes } from '../caps'
import { completedStatus, completionBody, uploadStatus } from './bodies'
import { HttpError, jsonResponse, notFound } from './errors'
import { readJsonObject } from './request-body'
import { ownerOf } from './store'
import type { Creator, FileStore, Lookup } from './store'
import { parseCreate, parseHash } from './validate'
import type { UploadLimits } from './validate'

const expired = (): HttpError => new HttpError(410, 'expired', 'the upload expired on the server')

/**
 * Resolves a lookup to a live upload or a completed file of `owner`; anything else is an
 * error. Another owner's upload answers exactly like an unknown id, so ids cannot be probed.
 */
export function requireKnown(
  found: Lookup,
  owner: string,
): Exclude<Lookup, { state: 'missing' | 'expired' }> {
  if (found.state === 'missing') throw notFound()
  const meta = found.state === 'complete' ? found.file : found.upload.meta
  if (ownerOf(meta) !== owner) throw notFound()
  if (found.state === 'expired') throw expired()
  return found
}

/** `POST /uploads`: create, or complete at once when the store already has the bytes. */
/**
 * Whether the store takes a new upload of `size` bytes for `creator`: 429 past the caller's
 * caps (per identity and per address, counts and declared bytes), 507 when the disk cannot
 * hold it. Create and the one-request small route both ask it before storing anything.
 */
export async function admitUpload(
  store: FileStore,
  limits: UploadLimits,
  creator: Creator,
  size: number,
): Promise<void> {
  const refused = checkCaps(limits.caps, store.openUploads(), creator, size)
  if (refused) {
    const { message, limit, unit } = refused
    throw new HttpError(429, 'too-many-uploads', message, { limit, unit }, { 'retry-after': '30' })
  }
  if (size > (await freeBytes(store.paths.uploads))) {
    throw new HttpError(
      507,
      'insufficient-storage',
      `the server cannot store ${size} more bytes now`,
    )
  }
}

export async function createUpload(
  request: Request,
  store: FileStore,
  limits: UploadLimits,
  creator: Creator,
  bodyTimeoutMs?: number,
): Promise<Response> {
  const input = parseCreate(await readJsonObject(request, false, bodyTimeoutMs), limits)
  const { hash, ...upload } = input
  if (hash !== null) {
    const source = store.findStored(upload.size, hash, creator.owner)
    const file = source && (await store.createInstant(upload, source))
    if (file) return jsonResponse(completionBody(file), 200)
  }
  await admitUpload(store, limits, creator, upload.size)
  const created = await store.create(upload, creator)
  return jsonResponse(
    {
      id: created.id,
      chunkSize: created.meta.chunkSize,
      chunkCount: created.meta.chunkCount,
      received: [],
      expiresAt: created.meta.expiresAt,
      duplicateCandidate: store.hasDuplicateCandidate(
        upload.size,
        upload.fingerprint,
        creator.owner,
      ),
    },
    201,
  )
}

/** `GET /uploads/:id` */
export function getStatus(store: FileStore, id: string, owner: string): Response {
  const found = requireKnown(store.lookup(id), owner)
  return jsonResponse(
    found.state === 'complete' ? completedStatus(found.file) : uploadStatus(found.upload),
  )
}

/** `POST /uploads/:id/instant` */
export async function claimInstant(
  request: Request,
  store: FileStore,
  id: string,
  owner: string,
  bodyTimeoutMs?: number,
): Promise<Response> {
  const body = await readJsonObject(request, false, bodyTimeoutMs)
  const hash = parseHash(body.hash, true) as string
  const found = requireKnown(store.lookup(id), owner)
  if (found.state === 'complete') {
    return jsonResponse(found.file.hash === hash ? completionBody(found.file) : { instant: false })
  }
  const file = await store.claimInstant(found.upload, hash)
  return jsonResponse(file ? completionBody(file) : { instant: false })
}

/** `POST /uploads/:id/complete` */
export async function completeUpload(
  request: Request,
  store: FileStore,
  id: string,
  owner: string,
  bodyTimeoutMs?: number,
): Promise<Response> {
  const clientHash = parseHash((await readJsonObject(request, true, bodyTimeoutMs)).hash)
  const found = requireKnown(store.lookup(id), owner)
  if (found.state === 'complete') {
    if (clientHash !== null && clientHash !== found.file.hash)
      throw hashMismatch(clientHash, found.file.hash)
    return jsonResponse(completionBody(found.file))
  }
  const outcome = await store.complete(found.upload, clientHash)
  if (outcome.kind === 'incomplete') {
    throw new HttpError(409, 'incomplete', 'chunks are missing', { missing: outcome.missing })
  }
  if (outcome.kind === 'mismatch') throw hashMismatch(clientHash ?? '', outcome.hash)
  return jsonResponse(completionBody(outcome.file))
}

const hashMismatch = (sent: string, actual: string): HttpError =>
  new HttpError(
    422,
    'hash-mismatch',
    `the assembled file's MD5 is ${actual}, the client sent ${sent}`,
    { hash: actual },
  )

/**
 * `DELETE /uploads/:id`: idempotent, so unknown and expired ids answer 204 too; so does
 * another owner's id, which is left untouched.
 */
export async function abortUpload(store: FileStore, id: string, owner: string): Promise<Response> {
  const found = store.lookup(id)
  const meta =
    found.state === 'missing'
      ? undefined
      : found.state === 'complete'
        ? found.file
        : found.upload.meta
  if (meta && ownerOf(meta) === owner) await store.abort(id)
  return new Response(null, { status: 204 })
}
