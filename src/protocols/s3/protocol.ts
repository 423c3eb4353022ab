import {
  GiB,
  httpError,
  isObject,
  MiB,
  parseJsonObject,
  partLength,
  UploadError,
  type AckedPart,
  type FileInfo,
  type HttpMethod,
  type HttpResponse,
  type ProtocolContext,
  type RequestBody,
  type UploadProtocol,
} from '../../core'
import { etagUnreadableError, partError } from './errors'
import { parseForms, postForm, QUIET_FORM_MAX, type SignedForm } from './post-form'
import { hexToBase64, multipartEtag } from './md5'

/** Options of {@link createS3Protocol}. */
export interface S3ProtocolOptions {
  /** Base URL of the signing endpoints, e.g. `https://api.example.com/s3`. */
  readonly endpoint: string
  /** Extra headers for the signing endpoints (auth); never sent to the bucket. */
  readonly headers?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>)
  /**
   * Check each part's ETag against its MD5 and the object's ETag against the MD5 of the
   * part MD5s (default true). Turn off for SSE-KMS / SSE-C buckets, whose ETags are not MD5s.
   */
  readonly verifyEtag?: boolean
}

/** What a part's ETag is: its MD5 in hex, quoted or not. */
const PART_ETAG = /^"?[0-9a-fA-F]{32}"?$/

/** S3's limits: parts 5 MiB..5 GiB except the last, at most 10,000 parts. */
export const s3Capabilities = Object.freeze({
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
  parallel: true,
  keepsPartialBodies: false,
  // S3 checks each part's Content-MD5 and the md5-of-md5s ETag; it has no use for the file's MD5.
  verifiesFileHash: false,
  partChecksum: 'md5' as const,
})

const JSON_HEADERS = { 'content-type': 'application/json' }
/**
 * How long a part URL signed ahead (`prepareParts`) is used: the status request it was
 * signed beside takes a round trip, and a URL lives minutes; older ones are signed again.
 */
const PREPARED_PART_MS = 30_000
/** Most files one `POST /objects/batch` signs (the reference signer's limit). */
const MAX_BATCH = 100
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e'
const unquote = (etag: string) => etag.replace(/"/g, '').trim().toLowerCase()

interface SignedPart {
  url: string
  headers: Record<string, string>
}

/**
 * S3 multipart upload straight to the bucket with presigned part URLs (docs/s3.md). The app's
 * backend (server/s3, or the Django version in the docs) holds the credentials: it creates
 * the upload, signs each part just before its PUT, lists parts, completes and aborts.
 */
export function createS3Protocol(options: S3ProtocolOptions): UploadProtocol {
  const base = options.endpoint.replace(/\/+$/, '')
  const verify = options.verifyEtag ?? true
  const headers = () =>
    typeof options.headers === 'function' ? options.headers() : (options.headers ?? {})
  const uploadUrl = (remote: { readonly id?: unknown }) =>
    `${base}/uploads/${encodeURIComponent(String(remote.id))}`
  /** Set once the signer answered `POST /objects` 404/405: an older signer, multipart only. */
  let noObjectRoute = false
  /** Set once `POST /objects/batch` answered 404/405, or a form POST failed in the browser. */
  let noForms = false
  /** Form POSTs that failed in the browser since the last one that went through. */
  let formsFailedInARow = 0
  /**
   * Part URLs (no Content-MD5) signed by `prepareParts` while a resumed upload's status was
   * asked, by upload id and part number; each taken once by the part's `uploadPart`.
   */
  const preparedParts = new Map<string, { at: number; signed: Promise<SignedPart | undefined> }>()
  const preparedKey = (remote: { readonly id?: unknown }, partNumber: number) =>
    `${String(remote.id)}#${partNumber}`
  /** The part URL signed ahead for this part, if one is fresh; undefined otherwise. */
  const takePrepared = (
    ctx: ProtocolContext,
    remote: { readonly id?: unknown },
    partNumber: number,
  ): Promise<SignedPart | undefined> | undefined => {
    const key = preparedKey(remote, partNumber)
    const prepared = preparedParts.get(key)
    preparedParts.delete(key)
    return prepared && ctx.clock.now() - prepared.at <= PREPARED_PART_MS
      ? prepared.signed
      : undefined
  }
  /** Forms signed ahead by `prepareSmall`, each taken once by its file's `uploadSmall`. */
  const forms = new WeakMap<FileInfo, Promise<SignedForm | undefined>>()

  const signer = (
    ctx: ProtocolContext,
    method: HttpMethod,
    url: string,
    body?: unknown,
  ): Promise<HttpResponse> =>
    ctx.transport.request({
      method,
      url,
      signal: ctx.signal,
      body: body === undefined ? undefined : (JSON.stringify(body) as RequestBody),
      headers: { ...headers(), ...(body === undefined ? {} : JSON_HEADERS) },
    })

  function signedFrom(body: Record<string, unknown>, what: string): SignedPart {
    if (typeof body.url !== 'string') {
      throw new UploadError('protocol', `${what}: no url in the answer`, { retryable: false })
    }
    const extra: Record<string, string> = {}
    if (isObject(body.headers)) {
      for (const [name, value] of Object.entries(body.headers)) {
        if (typeof value === 'string') extra[name] = value
      }
    }
    return { url: body.url, headers: extra }
  }

  async function signPart(
    ctx: ProtocolContext,
    remote: { readonly id?: unknown },
    partNumber: number,
    md5Hex: string | undefined,
  ): Promise<SignedPart> {
    const response = await signer(ctx, 'POST', `${uploadUrl(remote)}/parts/${partNumber}`, {
      md5: md5Hex ? hexToBase64(md5Hex) : undefined,
    })
    if (response.status !== 200) throw httpError(response, ctx.clock.now(), 'Sign part')
    return signedFrom(parseJsonObject(response, 'Sign part'), 'Sign part')
  }

  async function putPart(
    ctx: ProtocolContext,
    signed: SignedPart,
    partNumber: number,
    body: Blob,
    onProgress?: (loaded: number) => void,
  ): Promise<string> {
    const response = await ctx.transport.request({
      method: 'PUT',
      url: signed.url,
      signal: ctx.signal,
      body,
      headers: signed.headers,
      signedUrl: true,
      onUploadProgress: onProgress,
    })
    if (response.status !== 200) {
      throw partError(response, ctx.clock.now(), partNumber, signed.url)
    }
    const etag = response.headers.etag
    if (!etag) throw etagUnreadableError(partNumber)
    return unquote(etag)
  }

  return {
    name: 's3',
    endpoint: base,
    // Without ETag checks (SSE-KMS, SSE-C) an ETag is no MD5: every part waits for its own.
    capabilities: verify ? { ...s3Capabilities, partEtagIsMd5: true } : s3Capabilities,

    async create(request) {
      const { file, plan } = request
      const response = await signer(request, 'POST', `${base}/uploads`, {
        name: file.name,
        size: file.size,
        type: file.type,
        partSize: plan.partSize,
        partCount: plan.count,
        // The signer puts these on the object as `x-amz-meta-*` when it creates the upload.
        ...(Object.keys(request.metadata).length > 0 ? { metadata: request.metadata } : {}),
      })
      if (response.status === 404) {
        // Creation cannot meet a missing upload: the signer's endpoint itself is wrong.
        throw new UploadError(
          'endpoint-not-found',
          `Create: POST ${base}/uploads answered 404; \`endpoint\` is the signer's base URL ` +
            "(the reference server's is /s3); the client adds /uploads itself.",
          { retryable: false, status: 404, params: { url: `${base}/uploads` } },
        )
      }
      if (response.status !== 201 && response.status !== 200) {
        throw httpError(response, request.clock.now(), 'Create')
      }
      const body = parseJsonObject(response, 'Create')
      if (typeof body.id !== 'string' || body.id === '') {
        throw new UploadError('protocol', 'Create: no upload id in the answer', {
          retryable: false,
        })
      }
      const key = typeof body.key === 'string' ? body.key : null
      return { kind: 'created', remote: { id: body.id, key } }
    },

    /**
     * A small file as one presigned PUT (`POST /objects` at the signer, then the PUT to the
     * bucket) instead of a multipart upload; bound to its size and Content-MD5, and the
     * object's ETag checked against that MD5. A signer without the route answers 404: the
     * multipart path is taken from then on. A file with metadata takes the multipart path
     * too: the object's `x-amz-meta-*` are set at CreateMultipartUpload, and a presigned PUT
     * would need them as signed headers, which the bucket's CORS rule does not allow.
     */
    /**
     * Signs the queued small files' POST forms, up to {@link MAX_BATCH} a request
     * (`POST /objects/batch`), for files of at most 1 MiB (`QUIET_FORM_MAX`), the ones
     * posted without a preflight. A failed batch leaves its files to sign themselves.
     */
    prepareSmall(request) {
      if (noForms || noObjectRoute) return
      // A larger file needs upload progress, so the browser preflights its form anyway: a
      // presigned PUT, whose Content-MD5 S3 checks, costs no more.
      const files = request.files.filter((file) => file.size <= QUIET_FORM_MAX && !forms.has(file))
      for (let from = 0; from < files.length; from += MAX_BATCH) {
        const batch = files.slice(from, from + MAX_BATCH)
        const signed = signer(request, 'POST', `${base}/objects/batch`, {
          files: batch.map(({ name, size, type }) => ({ name, size, type })),
        }).then(
          (response) => {
            if (response.status === 404 || response.status === 405) noForms = true
            return response.status === 200 ? parseForms(response, batch.length) : undefined
          },
          () => undefined,
        )
        batch.forEach((file, index) =>
          forms.set(
            file,
            signed.then((all) => all?.[index]),
          ),
        )
      }
    },

    async uploadSmall(request) {
      if (noObjectRoute || Object.keys(request.metadata).length > 0) return undefined
      const { file, md5 } = request
      const prepared = forms.get(file)
      // Taken once: a retry signs afresh (the form may be what failed).
      forms.delete(file)
      const form = prepared && !noForms ? await prepared : undefined
      if (form) {
        let etag: string | undefined
        try {
          etag = await postForm(request, form)
        } catch (error) {
          // The browser fails every form to a bucket whose CORS rule lacks POST as it fails a
          // request on a dropped link: after two in a row with none through, presigned PUTs.
          if (!request.signal.aborted && (error as UploadError).code === 'network') {
            if (++formsFailedInARow >= 2) noForms = true
          }
          throw error
        }
        formsFailedInARow = 0
        if (verify && md5 && etag !== md5) {
          throw new UploadError(
            'hash-mismatch',
            `S3's ETag ${etag ?? '(none)'} is not the file's MD5 ${md5} (an SSE-KMS bucket? set verifyEtag: false)`,
            { retryable: false },
          )
        }
        return { size: file.size, etag, location: form.key, data: { key: form.key } }
      }
      const response = await signer(request, 'POST', `${base}/objects`, {
        name: file.name,
        size: file.size,
        type: file.type,
        md5: md5 ? hexToBase64(md5) : undefined,
      })
      if (response.status === 404 || response.status === 405) {
        noObjectRoute = true
        return undefined
      }
      if (response.status !== 200) throw httpError(response, request.clock.now(), 'Sign object')
      const body = parseJsonObject(response, 'Sign object')
      const signed = signedFrom(body, 'Sign object')
      const etag = await putPart(request, signed, 1, request.body, request.onProgress)
      if (verify && md5 && etag !== md5) {
        throw new UploadError(
          'hash-mismatch',
          `S3's ETag ${etag} is not the file's MD5 ${md5} (an SSE-KMS bucket? set verifyEtag: false)`,
          { retryable: false },
        )
      }
      return {
        size: file.size,
        etag,
        location: typeof body.key === 'string' ? body.key : undefined,
        data: body,
      }
    },

    async status(request) {
      const response = await signer(request, 'GET', `${uploadUrl(request.remote)}/parts`)
      if (response.status !== 200) throw httpError(response, request.clock.now(), 'List parts')
      const listed = parseJsonObject(response, 'List parts').parts
      if (!Array.isArray(listed)) {
        throw new UploadError('protocol', 'List parts: no parts array', { retryable: false })
      }
      // A part listed twice is ambiguous (which bytes does S3 hold?): trust neither, send it again.
      const byIndex = new Map<number, AckedPart | null>()
      for (const item of listed) {
        if (!isObject(item)) continue
        const { partNumber, etag, size } = item
        if (!Number.isInteger(partNumber) || typeof etag !== 'string') continue
        const index = (partNumber as number) - 1
        if (byIndex.has(index)) {
          byIndex.set(index, null)
          continue
        }
        // A part of another size belongs to another plan, and an ETag that is not a part MD5
        // cannot complete: send it again.
        if (index < 0 || index >= request.plan.count) continue
        if (size !== partLength(request.plan, index) || !PART_ETAG.test(etag)) continue
        byIndex.set(index, { index, size, etag: unquote(etag) })
      }
      const parts = [...byIndex.values()].filter((part): part is AckedPart => part !== null)
      return { parts }
    },

    prepareParts(request) {
      const now = request.clock.now()
      for (const [key, prepared] of preparedParts) {
        if (now - prepared.at > PREPARED_PART_MS) preparedParts.delete(key)
      }
      for (const index of request.indexes) {
        const key = preparedKey(request.remote, index + 1)
        if (preparedParts.has(key)) continue
        // A failed signature is no error here: the part's own request signs again.
        const signed = signPart(request, request.remote, index + 1, undefined).catch(
          () => undefined,
        )
        preparedParts.set(key, { at: now, signed })
      }
    },

    async uploadPart(request) {
      const { part } = request
      const partNumber = part.index + 1
      if (request.start !== part.start) {
        throw new UploadError('protocol', 'S3 parts are sent whole', { retryable: false })
      }
      // Signed now, not ahead: a URL lives minutes, and a retry signs a fresh one. The one
      // exception: a resumed upload's first parts, signed beside its status request.
      const prepared =
        request.partMd5 === undefined
          ? await takePrepared(request, request.remote, partNumber)
          : undefined
      const signed =
        prepared ?? (await signPart(request, request.remote, partNumber, request.partMd5))
      const etag = await putPart(request, signed, partNumber, request.body, request.onProgress)
      if (verify && request.partMd5 && etag !== request.partMd5) {
        throw new UploadError(
          'hash-mismatch',
          `Part ${partNumber}: S3's ETag ${etag} is not the part's MD5 ${request.partMd5} ` +
            '(an SSE-KMS bucket? set verifyEtag: false)',
          { retryable: false },
        )
      }
      return { index: part.index, size: part.end - part.start, etag }
    },

    async complete(request) {
      const { plan, remote } = request
      let parts = [...request.parts].sort((a, b) => a.index - b.index)
      if (plan.size === 0 && parts.length === 0) {
        // S3 needs at least one part: an empty file is one empty part.
        const signed = await signPart(request, remote, 1, EMPTY_MD5)
        const etag = await putPart(request, signed, 1, new Blob([]))
        parts = [{ index: 0, size: 0, etag }]
      }
      if (parts.some((p) => !p.etag)) {
        throw new UploadError('protocol', 'Complete: a part has no ETag', { retryable: false })
      }
      const response = await signer(request, 'POST', `${uploadUrl(remote)}/complete`, {
        parts: parts.map((p) => ({ partNumber: p.index + 1, etag: p.etag })),
      })
      if (response.status !== 200) throw httpError(response, request.clock.now(), 'Complete')
      const body = parseJsonObject(response, 'Complete')
      // An empty ETag is no answer (Ceph RGW's Complete gives `<ETag></ETag>`; a signer that
      // passes it on has not checked HEAD): nothing to verify, and no reason to fail a
      // complete object. A non-empty ETag must match.
      const etag =
        typeof body.etag === 'string' && unquote(body.etag) !== '' ? unquote(body.etag) : undefined
      const md5s = parts.map((p) => p.etag!)
      if (verify && etag !== undefined && md5s.every((m) => /^[0-9a-f]{32}$/.test(m))) {
        const expected = multipartEtag(md5s)
        if (etag !== expected) {
          throw new UploadError(
            'hash-mismatch',
            `Complete: the object's ETag ${etag} is not ${expected}, the MD5 of its parts' MD5s`,
            { retryable: false },
          )
        }
      }
      return {
        size: typeof body.size === 'number' ? body.size : plan.size,
        etag,
        location: typeof body.key === 'string' ? body.key : undefined,
        data: body,
      }
    },

    async abort(request) {
      const response = await signer(request, 'DELETE', uploadUrl(request.remote))
      if (response.status >= 400 && response.status !== 404) {
        throw httpError(response, request.clock.now(), 'Abort')
      }
    },
  }
}
