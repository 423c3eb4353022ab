import {
  partAt,
  UploadError,
  type AckedPart,
  type ChunkPlan,
  type PartRange,
  type ProtocolContext,
  type RemoteUpload,
  type UploadResult,
} from '../../core'
import { storedExpiry, type TusClient } from './client'
import { concatReference, locationOf } from './wire'

/**
 * Parallel parts through the concatenation extension: each part of the plan is a partial
 * upload (`Upload-Concat: partial`), created just before its first byte goes, so the first
 * request does not wait for one POST per part. A partial's URL is the part's receipt (its
 * `etag`), saved with the acknowledged parts; `complete` joins them in a final upload
 * (`Upload-Concat: final;…`). After a reload, HEAD on each saved partial tells what is held.
 *
 * Records from before kept every partial's URL in the remote handle (`partials`), created
 * up front; those are still resumed that way.
 */

/** A partial created on this page whose part is not acknowledged yet: reused on a retry. */
export type OpenPartials = Map<string, string>

export function isConcatRemote(remote: RemoteUpload): boolean {
  return typeof remote.partials === 'string' || typeof remote.concat === 'string'
}

let created = 0

/**
 * The remote handle of a concatenated upload: no request needed, partials come later. `id`
 * only tells this page's open partials of one upload from another's.
 */
export function concatRemote(metadata: string, now: number): RemoteUpload {
  return { url: '', concat: `${now.toString(36)}-${++created}`, metadata, expiresAt: null }
}

/** Every partial's URL, up front: records from before partials were created lazily. */
function legacyUrls(remote: RemoteUpload, plan: ChunkPlan): string[] | undefined {
  if (typeof remote.partials !== 'string') return undefined
  const urls = remote.partials.split(' ').filter(Boolean)
  if (urls.length !== plan.count) {
    throw new UploadError('protocol', 'The saved tus partial uploads do not match the plan', {
      retryable: false,
    })
  }
  return urls
}

const openKey = (remote: RemoteUpload, index: number) => `${String(remote.concat)}#${index}`

/** The partial upload for one part: saved, opened earlier on this page, or created now. */
export async function partialFor(
  client: TusClient,
  ctx: ProtocolContext,
  remote: RemoteUpload,
  plan: ChunkPlan,
  part: PartRange,
  open: OpenPartials,
): Promise<string> {
  const legacy = legacyUrls(remote, plan)
  if (legacy) return legacy[part.index]
  const key = openKey(remote, part.index)
  const known = open.get(key)
  if (known) return known
  const response = await client.send(ctx, 'POST', client.endpoint, {
    headers: { 'upload-concat': 'partial', 'upload-length': String(part.end - part.start) },
  })
  if (response.status !== 201) client.fail(ctx, response, `create partial ${part.index}`)
  const url = locationOf(response, client.endpoint, 'create partial')
  open.set(key, url)
  return url
}

/** The partial's URL once its part is acknowledged: it leaves the open ones. */
export function settlePartial(remote: RemoteUpload, index: number, open: OpenPartials): void {
  open.delete(openKey(remote, index))
}

/** Which partial uploads the server holds whole, of those the engine knows. */
export async function partialsStatus(
  client: TusClient,
  ctx: ProtocolContext,
  remote: RemoteUpload,
  plan: ChunkPlan,
  known: readonly AckedPart[],
): Promise<AckedPart[]> {
  const legacy = legacyUrls(remote, plan)
  const candidates = legacy
    ? legacy.map((url, index) => ({ index, url }))
    : known.filter((p) => typeof p.etag === 'string').map((p) => ({ index: p.index, url: p.etag! }))
  const parts: AckedPart[] = []
  for (const { index, url } of candidates) {
    if (!Number.isInteger(index) || index < 0 || index >= plan.count) continue
    const { start, end } = partAt(plan, index)
    const offset = await client.head(ctx, url, end - start, storedExpiry(remote))
    if (offset >= end - start) parts.push({ index, size: end - start, etag: url })
  }
  return parts
}

/**
 * Sends bytes `[from, to)` of the upload at `url` (of `length` bytes). A server that kept
 * bytes of a cut request answers 409 or stops short: HEAD says what it holds and only the
 * rest goes, so the engine need not ask the status of every part before a retry.
 */
export async function sendRange(
  client: TusClient,
  ctx: ProtocolContext,
  url: string,
  range: { from: number; to: number; length: number; expiry?: number },
  body: Blob,
  onProgress: (loaded: number) => void,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  try {
    const offset = await client.patch(ctx, url, range.from, body, onProgress, headers)
    if (offset === range.to) return
    if (offset > range.to) {
      throw new UploadError('protocol', `The tus server reports offset ${offset}`, {
        retryable: false,
      })
    }
  } catch (error) {
    if (!(error instanceof UploadError) || error.status !== 409) throw error
  }
  const held = await client.head(ctx, url, range.length, range.expiry)
  if (held >= range.to) return onProgress(body.size)
  if (held < range.from) {
    throw new UploadError('server', `The tus server holds ${held} B, less than before`, {
      retryable: true,
    })
  }
  const skip = held - range.from
  onProgress(skip)
  // A checksum covers the whole part, so it cannot go with a remainder.
  const offset = await client.patch(ctx, url, held, body.slice(skip), (loaded) =>
    onProgress(skip + loaded),
  )
  if (offset !== range.to) {
    throw new UploadError('server', `The tus server holds ${offset} of ${range.to} B`, {
      retryable: true,
    })
  }
}

/** The partial URLs of every part, in order, from the acknowledged parts' receipts. */
export function partialUrls(
  remote: RemoteUpload,
  plan: ChunkPlan,
  parts: readonly AckedPart[],
): string[] {
  const legacy = legacyUrls(remote, plan)
  if (legacy) return legacy
  const byIndex = new Map(parts.map((p) => [p.index, p.etag]))
  const urls: string[] = []
  for (let index = 0; index < plan.count; index++) {
    const url = byIndex.get(index)
    if (typeof url !== 'string' || url === '') {
      throw new UploadError('protocol', `tus partial upload ${index} is missing`, {
        retryable: false,
      })
    }
    urls.push(url)
  }
  return urls
}

/** Every partial known for this upload: saved receipts and those still open on this page. */
export function knownPartials(
  remote: RemoteUpload,
  plan: ChunkPlan,
  parts: readonly AckedPart[],
  open: OpenPartials,
): string[] {
  const legacy = legacyUrls(remote, plan)
  if (legacy) return legacy
  const urls = new Set<string>()
  for (const part of parts) if (typeof part.etag === 'string' && part.etag) urls.add(part.etag)
  const prefix = `${String(remote.concat)}#`
  for (const [key, url] of open) if (key.startsWith(prefix)) urls.add(url)
  return [...urls]
}

export function forgetOpen(remote: RemoteUpload, open: OpenPartials): void {
  const prefix = `${String(remote.concat)}#`
  for (const key of [...open.keys()]) if (key.startsWith(prefix)) open.delete(key)
}

export async function concatenate(
  client: TusClient,
  ctx: ProtocolContext,
  remote: RemoteUpload,
  plan: ChunkPlan,
  parts: readonly AckedPart[],
): Promise<UploadResult> {
  const references = partialUrls(remote, plan, parts).map((url) =>
    concatReference(url, client.endpoint),
  )
  const headers: Record<string, string> = { 'upload-concat': `final;${references.join(' ')}` }
  if (typeof remote.metadata === 'string' && remote.metadata !== '') {
    headers['upload-metadata'] = remote.metadata
  }
  const response = await client.send(ctx, 'POST', client.endpoint, { headers })
  if (response.status !== 201) client.fail(ctx, response, 'concatenation')
  return { size: plan.size, location: locationOf(response, client.endpoint, 'concatenation') }
}
