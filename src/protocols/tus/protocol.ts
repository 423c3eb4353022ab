import {
  GiB,
  KiB,
  linkedAbort,
  partAt,
  UploadError,
  type PartRequest,
  type ProtocolCapabilities,
  type ProtocolContext,
  type RemoteUpload,
  type UploadProtocol,
} from '../../core'
import { createTusClient, storedExpiry, type TusHeaders } from './client'
import {
  concatenate,
  concatRemote,
  forgetOpen,
  isConcatRemote,
  knownPartials,
  partialFor,
  partialsStatus,
  sendRange,
  settlePartial,
  type OpenPartials,
} from './concat'
import { encodeMetadata, expiresOf, hexToBase64, locationOf, type TusServerInfo } from './wire'

/** Options of {@link createTusProtocol}. */
export interface TusProtocolOptions {
  /** The tus creation URL, e.g. `https://api.example.com/files`. */
  readonly endpoint: string
  /** Extra headers for every request (auth); a function is called per request. */
  readonly headers?: TusHeaders
  /**
   * Send the parts of a file in parallel as partial uploads joined at the end, when the
   * server lists the `concatenation` extension. Default `true`.
   */
  readonly concatenation?: boolean
  /**
   * Send `Upload-Checksum: md5 …` with each whole part when the server lists the `checksum`
   * extension with md5 (the engine then hashes each part before sending it). Default `true`.
   */
  readonly checksum?: boolean
}

/**
 * What tus allows before the server is asked: any part size (a part is one PATCH), one
 * request at a time, and a server that keeps the bytes of a cut PATCH.
 */
export const tusCapabilities: ProtocolCapabilities = Object.freeze({
  minPartSize: 64 * KiB,
  maxPartSize: 4 * GiB,
  maxParts: 10_000,
  parallel: false,
  keepsPartialBodies: true,
  // tus has no way to verify a whole file's MD5 (the checksum extension covers PATCHes).
  verifiesFileHash: false,
})

/** The server's `Tus-Max-Size` is a final refusal, before anything is created. */
function refuseOverMaxSize(maxSize: number | undefined, size: number): void {
  if (maxSize === undefined || size <= maxSize) return
  throw new UploadError('file-too-large', `The tus server takes at most ${maxSize} B`, {
    retryable: false,
    params: { maxSize, maxFileSize: maxSize, size },
  })
}

/**
 * The tus 1.0 client (https://tus.io): OPTIONS once per instance to learn the server,
 * creation with `Upload-Metadata`, PATCHes from the offset HEAD reports, the whole File as
 * one PATCH from byte 0, termination on abort, `Upload-Expires`, the checksum extension,
 * parallel partial uploads through the concatenation extension when the server has them,
 * and a small file in one POST through creation-with-upload.
 */
export function createTusProtocol(options: TusProtocolOptions): UploadProtocol {
  const endpoint = options.endpoint.replace(/\/+$/, '')
  const client = createTusClient(endpoint, options.headers)
  const concatOn = (info: TusServerInfo | undefined) =>
    options.concatenation !== false && !!info?.extensions.has('concatenation')
  const checksumOn = (info: TusServerInfo | undefined) =>
    options.checksum !== false &&
    !!info?.extensions.has('checksum') &&
    info.checksumAlgorithms.has('md5')

  let capabilitiesFor: TusServerInfo | undefined
  let capabilities = tusCapabilities
  const open: OpenPartials = new Map()
  const urlOf = (remote: RemoteUpload) => String(remote.url)

  /** `Upload-Checksum` for a PATCH that carries a whole part, when the server checks them. */
  function checksumHeaders(request: PartRequest): Record<string, string> {
    if (!request.partMd5 || request.start !== request.part.start || !checksumOn(client.known)) {
      return {}
    }
    return { 'upload-checksum': `md5 ${hexToBase64(request.partMd5)}` }
  }

  async function terminate(ctx: ProtocolContext, url: string): Promise<void> {
    const response = await client.send(ctx, 'DELETE', url)
    if (![200, 204, 404, 410].includes(response.status)) client.fail(ctx, response, 'DELETE')
  }

  return {
    name: 'tus',
    endpoint,
    /** Grows with what OPTIONS said: parallel with concatenation, md5 parts with checksum. */
    get capabilities(): ProtocolCapabilities {
      const info = client.known
      if (info !== capabilitiesFor) {
        capabilitiesFor = info
        capabilities = Object.freeze({
          ...tusCapabilities,
          parallel: concatOn(info),
          // Each PATCH goes on from what its upload holds (409 → HEAD), so a retried part
          // needs no status of every partial first.
          keepsPartialBodies: !concatOn(info),
          ...(checksumOn(info) ? { partChecksum: 'md5' as const } : {}),
        })
      }
      return capabilities
    },

    async create(request) {
      const info = await client.learn(request)
      const { file, plan } = request
      if (!info.extensions.has('creation')) {
        throw new UploadError('unsupported', 'The tus server does not offer creation', {
          retryable: false,
        })
      }
      refuseOverMaxSize(info.maxSize, file.size)
      const metadata = encodeMetadata({
        filename: file.name,
        filetype: file.type,
        fingerprint: request.fingerprint,
        md5: request.hash,
        ...request.metadata,
      })
      if (concatOn(info) && plan.count > 1) {
        // Partials are created as their parts go (uploadPart): nothing to send yet.
        return { kind: 'created', remote: concatRemote(metadata, request.clock.now()) }
      }
      const response = await client.send(request, 'POST', endpoint, {
        headers: {
          'upload-length': String(file.size),
          ...(metadata ? { 'upload-metadata': metadata } : {}),
        },
      })
      if (response.status === 404) {
        // Creation cannot meet a missing upload: the endpoint itself is wrong.
        throw new UploadError(
          'endpoint-not-found',
          `tus creation: POST ${endpoint} answered 404; \`endpoint\` must be the tus server's ` +
            "creation URL (the reference server's is /tus).",
          { retryable: false, status: 404, params: { url: endpoint } },
        )
      }
      if (response.status !== 201) client.fail(request, response, 'creation')
      return {
        kind: 'created',
        remote: {
          url: locationOf(response, endpoint, 'creation'),
          expiresAt: expiresOf(response) ?? null,
        },
      }
    },

    /**
     * Creation-with-upload: one POST whose body is the whole file, when the server lists
     * the extension (otherwise `undefined`: creation and a PATCH follow). A body the server
     * kept only part of is terminated, and the engine sends the file again.
     */
    async uploadSmall(request) {
      const info = await client.learn(request)
      if (!info.extensions.has('creation') || !info.extensions.has('creation-with-upload')) {
        return undefined
      }
      const { file, body, onProgress } = request
      refuseOverMaxSize(info.maxSize, file.size)
      const metadata = encodeMetadata({
        filename: file.name,
        filetype: file.type,
        md5: request.md5,
        ...request.metadata,
      })
      const checksum: Record<string, string> =
        request.md5 && checksumOn(info)
          ? { 'upload-checksum': `md5 ${hexToBase64(request.md5)}` }
          : {}
      const response = await client.send(request, 'POST', endpoint, {
        body,
        headers: {
          ...checksum,
          'upload-length': String(file.size),
          'content-type': 'application/offset+octet-stream',
          ...(metadata ? { 'upload-metadata': metadata } : {}),
        },
        onUploadProgress: onProgress,
      })
      if (response.status !== 201) client.fail(request, response, 'creation-with-upload')
      const url = locationOf(response, endpoint, 'creation-with-upload')
      const offset = Number(response.headers['upload-offset'] ?? (file.size === 0 ? 0 : NaN))
      if (offset !== file.size) {
        // Cut short on the way: the file is sent again, so nothing partial is kept.
        if (info.extensions.has('termination')) await terminate(request, url).catch(() => {})
        throw new UploadError('server', `The tus server holds ${offset} of ${file.size} B`, {
          retryable: true,
        })
      }
      return { size: file.size, location: url }
    },

    async status(request) {
      const { remote, plan } = request
      // Learned here too, so a resumed upload knows the server before it sends parts.
      if (isConcatRemote(remote)) {
        await client.learn(request)
        return { parts: await partialsStatus(client, request, remote, plan, request.parts ?? []) }
      }
      // HEAD needs nothing OPTIONS says: after a reload both go at once, one round trip
      // before the first byte instead of two. OPTIONS failing stops the HEAD.
      const head = linkedAbort(request.signal)
      try {
        const [, offset] = await Promise.all([
          client.learn(request).catch((error: unknown) => {
            head.controller.abort(error)
            throw error
          }),
          client.head(
            { ...request, signal: head.signal },
            urlOf(remote),
            plan.size,
            storedExpiry(remote),
          ),
        ])
        return { parts: [], offset }
      } finally {
        head.unlink()
      }
    },

    async uploadPart(request) {
      const { remote, plan, part, start, body, onProgress } = request
      const headers = checksumHeaders(request)
      if (isConcatRemote(remote)) {
        const url = await partialFor(client, request, remote, plan, part, open)
        const length = part.end - part.start
        const range = { from: start - part.start, to: length, length }
        await sendRange(client, request, url, range, body, onProgress, headers)
        settlePartial(remote, part.index, open)
        // The partial's URL is the part's receipt: saved with it, joined by complete.
        return { index: part.index, size: length, etag: url }
      }
      if (concatOn(client.known)) {
        // A single-part upload while concatenation is on: the engine does not ask HEAD
        // before a retry (see capabilities), so the PATCH goes on from what is held itself.
        const range = { from: start, to: part.end, length: plan.size, expiry: storedExpiry(remote) }
        await sendRange(client, request, urlOf(remote), range, body, onProgress, headers)
        return { index: part.index, size: part.end - part.start }
      }
      const offset = await client.patch(request, urlOf(remote), start, body, onProgress, headers)
      if (offset < part.end) {
        // The server stopped short (a proxy cut the body): HEAD tells where to go on.
        throw new UploadError('server', `The tus server holds ${offset} of ${part.end} B`, {
          retryable: true,
        })
      }
      if (offset > part.end) {
        throw new UploadError('protocol', `The tus server reports offset ${offset}`, {
          retryable: false,
        })
      }
      return { index: part.index, size: part.end - part.start }
    },

    async uploadStream(request) {
      const { remote, plan, body, onProgress } = request
      if (isConcatRemote(remote)) {
        // Partial uploads each have their own length: the File goes as its first part only.
        const first = partAt(plan, 0)
        const url = await partialFor(client, request, remote, plan, first, open)
        const range = { from: 0, to: first.end, length: first.end }
        await sendRange(client, request, url, range, body.slice(0, first.end), onProgress, {})
        settlePartial(remote, 0, open)
        return { parts: [{ index: 0, size: first.end, etag: url }] }
      }
      const offset = await client.patch(request, urlOf(remote), 0, body, onProgress)
      return { parts: [], offset }
    },

    async complete(request) {
      const { remote, plan } = request
      if (isConcatRemote(remote)) {
        const result = await concatenate(client, request, remote, plan, request.parts)
        forgetOpen(remote, open)
        return result
      }
      // A plain upload is complete when its offset reached Upload-Length, which every
      // acknowledged PATCH checked.
      return { size: plan.size, location: urlOf(remote) }
    },

    async abort(request) {
      const info = await client.learn(request)
      // Without termination the server keeps the bytes until it expires them itself.
      if (!info.extensions.has('termination')) return
      const { remote, plan } = request
      const urls = isConcatRemote(remote)
        ? knownPartials(remote, plan, request.parts ?? [], open)
        : [urlOf(remote)]
      for (const url of urls) await terminate(request, url)
      if (isConcatRemote(remote)) forgetOpen(remote, open)
    },
  }
}
