import {
  partAt,
  UploadError,
  type AckedPart,
  type ChunkPlan,
  type ProtocolContext,
  type RemoteUpload,
  type UploadResult,
} from '../../core'
import { storedExpiry, type TusClient } from './client'
import { concatReference, expiresOf, locationOf } from './wire'

/**
 * Parallel parts through the concatenation extension: each part of the plan is a partial
 * upload (`Upload-Concat: partial`), all created up front so the remote handle (saved for
 * resuming) names every one; `complete` asks for the final upload
 * (`Upload-Concat: final;…`). HEAD on each partial tells what is held after a reload.
 */

export function isConcatRemote(remote: RemoteUpload): boolean {
  return typeof remote.partials === 'string'
}

export function partialUrls(remote: RemoteUpload, plan: ChunkPlan): string[] {
  const urls = String(remote.partials).split(' ').filter(Boolean)
  if (urls.length !== plan.count) {
    throw new UploadError('protocol', 'The saved tus partial uploads do not match the plan', {
      retryable: false,
    })
  }
  return urls
}

export async function createPartials(
  client: TusClient,
  ctx: ProtocolContext,
  plan: ChunkPlan,
  metadata: string,
): Promise<RemoteUpload> {
  const urls: string[] = []
  let expiresAt: number | null = null
  for (let index = 0; index < plan.count; index++) {
    const { start, end } = partAt(plan, index)
    const response = await client.send(ctx, 'POST', client.endpoint, {
      headers: { 'upload-concat': 'partial', 'upload-length': String(end - start) },
    })
    if (response.status !== 201) client.fail(ctx, response, `create partial ${index}`)
    urls.push(locationOf(response, client.endpoint, 'create partial'))
    const expires = expiresOf(response)
    if (expires !== undefined) expiresAt = Math.min(expiresAt ?? expires, expires)
  }
  return { url: '', partials: urls.join(' '), metadata, expiresAt }
}

/** Which partial uploads the server holds whole. */
export async function partialsStatus(
  client: TusClient,
  ctx: ProtocolContext,
  remote: RemoteUpload,
  plan: ChunkPlan,
): Promise<AckedPart[]> {
  const urls = partialUrls(remote, plan)
  const parts: AckedPart[] = []
  for (let index = 0; index < urls.length; index++) {
    const { start, end } = partAt(plan, index)
    const offset = await client.head(ctx, urls[index], end - start, storedExpiry(remote))
    if (offset >= end - start) parts.push({ index, size: end - start })
  }
  return parts
}

/**
 * Sends one part into its partial upload. Its offset restarts at 0, so a partial that kept
 * bytes of a cut request answers 409: ask it what it holds and send only the rest.
 */
export async function sendPartial(
  client: TusClient,
  ctx: ProtocolContext,
  url: string,
  range: { length: number; from: number },
  body: Blob,
  onProgress: (loaded: number) => void,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  try {
    const offset = await client.patch(ctx, url, range.from, body, onProgress, headers)
    if (offset === range.length) return
  } catch (error) {
    if (!(error instanceof UploadError) || error.status !== 409) throw error
  }
  const held = await client.head(ctx, url, range.length)
  if (held >= range.length) return onProgress(body.size)
  const skip = Math.max(0, held - range.from)
  onProgress(skip)
  // A checksum covers the whole part, so it cannot go with a remainder.
  const offset = await client.patch(ctx, url, held, body.slice(skip), (loaded) =>
    onProgress(skip + loaded),
  )
  if (offset !== range.length) {
    throw new UploadError('server', `The tus partial upload holds ${offset} of ${range.length}`, {
      retryable: true,
    })
  }
}

export async function concatenate(
  client: TusClient,
  ctx: ProtocolContext,
  remote: RemoteUpload,
  plan: ChunkPlan,
): Promise<UploadResult> {
  const references = partialUrls(remote, plan).map((url) => concatReference(url, client.endpoint))
  const headers: Record<string, string> = { 'upload-concat': `final;${references.join(' ')}` }
  if (typeof remote.metadata === 'string' && remote.metadata !== '') {
    headers['upload-metadata'] = remote.metadata
  }
  const response = await client.send(ctx, 'POST', client.endpoint, { headers })
  if (response.status !== 201) client.fail(ctx, response, 'concatenation')
  return { size: plan.size, location: locationOf(response, client.endpoint, 'concatenation') }
}
