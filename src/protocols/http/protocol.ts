import {
  httpError,
  KiB,
  MiB,
  parseJsonObject,
  serverErrorCode,
  UploadError,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  type ProtocolContext,
  type RequestBody,
  type UploadProtocol,
  type UploadResult,
} from '../../core'
import { idFrom, isObject, partialChunks, partsFromRanges, resultFrom } from './wire'

/** Options of {@link createHttpProtocol}. */
export interface HttpProtocolOptions {
  /** Base URL of the routes, e.g. `https://api.example.com/uploads-api`. */
  readonly endpoint: string
  /** Extra headers for every request (auth); a function is called per request. */
  readonly headers?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>)
}

/** Limits of the protocol as the reference server enforces them. */
export const httpCapabilities = Object.freeze({
  minPartSize: 256 * KiB,
  maxPartSize: 512 * MiB,
  maxParts: 10_000,
  parallel: true,
  // The start of a cut chunk is kept, but only a resume or a cut stream asks for it: a
  // status between parallel parts' retries would cost a request and reset their counts.
  keepsPartialBodies: false,
})

const JSON_HEADERS = { 'content-type': 'application/json' }

/** About what a form part's boundary and headers take. */
const FORM_PART_BYTES = 160

/**
 * Create answered 404: no upload can be missing yet, so the endpoint is wrong (a common one:
 * `endpoint: '/uploads'`, which posts to `/uploads/uploads`).
 */
function endpointNotFound(url: string): UploadError {
  return new UploadError(
    'endpoint-not-found',
    `Create: POST ${url} answered 404. \`endpoint\` is the base URL of the protocol's routes ` +
      "(the reference server's is /http); the client adds /uploads itself.",
    { retryable: false, status: 404, params: { url } },
  )
}

/**
 * The client of the HTTP chunk protocol (docs/http-protocol.md): parallel idempotent chunk
 * PUTs, one status query that lists every chunk held, instant upload by hash, a whole-File
 * stream from byte 0, completion verified by MD5, and a small file in one `PUT /uploads`
 * that creates and completes it, or several in one `PUT /uploads/batch` (a server without
 * those routes gets one request per file, or the chunk path).
 */
export function createHttpProtocol(options: HttpProtocolOptions): UploadProtocol {
  const base = options.endpoint.replace(/\/+$/, '')
  const headers = () =>
    typeof options.headers === 'function' ? options.headers() : (options.headers ?? {})
  /** Set once the server answered the small-file route 404/405: an older server. */
  let noSmallRoute = false
  /** Likewise for the batch route. */
  let noBatchRoute = false
  const uploadUrl = (remote: { readonly id?: unknown }) =>
    `${base}/uploads/${encodeURIComponent(String(remote.id))}`

  async function send(
    ctx: ProtocolContext,
    method: HttpMethod,
    url: string,
    extra: Partial<HttpRequest> & { body?: RequestBody } = {},
  ): Promise<HttpResponse> {
    return ctx.transport.request({
      method,
      url,
      signal: ctx.signal,
      ...extra,
      headers: { ...headers(), ...extra.headers },
    })
  }

  const sendJson = (ctx: ProtocolContext, url: string, body: unknown) =>
    send(ctx, 'POST', url, { body: JSON.stringify(body), headers: JSON_HEADERS })

  /** The error an answer other than success stands for. */
  function errorOf(ctx: ProtocolContext, response: HttpResponse, what: string): UploadError {
    const code = serverErrorCode(response)
    if (code === 'bad-digest') {
      return new UploadError('server', `${what}: the server received corrupted bytes`, {
        retryable: true,
        status: response.status,
      })
    }
    if (code === 'hash-mismatch') {
      return new UploadError('hash-mismatch', `${what}: the stored file's MD5 differs`, {
        retryable: false,
        status: response.status,
      })
    }
    return httpError(response, ctx.clock.now(), what)
  }

  function fail(ctx: ProtocolContext, response: HttpResponse, what: string): never {
    throw errorOf(ctx, response, what)
  }

  return {
    name: 'http',
    endpoint: base,
    capabilities: httpCapabilities,

    async create(request) {
      const { file, plan } = request
      const response = await sendJson(request, `${base}/uploads`, {
        name: file.name,
        size: file.size,
        type: file.type,
        lastModified: file.lastModified,
        chunkSize: plan.partSize,
        fingerprint: request.fingerprint,
        hash: request.hash,
        metadata: request.metadata,
      })
      if (response.status === 404) throw endpointNotFound(`${base}/uploads`)
      if (response.status !== 200 && response.status !== 201) fail(request, response, 'Create')
      const body = parseJsonObject(response, 'Create')
      if (response.status === 200 && body.instant === true) {
        return { kind: 'complete', result: resultFrom(body, 'create') }
      }
      return {
        kind: 'created',
        remote: { id: idFrom(body) },
        duplicateCandidate: body.duplicateCandidate === true,
      }
    },

    async uploadSmall(request) {
      if (noSmallRoute) return undefined
      const { file } = request
      // The create body's fields, percent-encoded (headers are ASCII); the body is the file.
      const info = encodeURIComponent(
        JSON.stringify({
          name: file.name,
          size: file.size,
          type: file.type,
          lastModified: file.lastModified,
          hash: request.md5,
          metadata: request.metadata,
        }),
      )
      const response = await send(request, 'PUT', `${base}/uploads`, {
        body: request.body,
        headers: { 'content-type': 'application/octet-stream', 'upload-info': info },
        onUploadProgress: request.onProgress,
      })
      if (response.status === 404 || response.status === 405) {
        noSmallRoute = true
        return undefined
      }
      if (response.status !== 201 && response.status !== 200) fail(request, response, 'Upload')
      return resultFrom(parseJsonObject(response, 'Upload'), 'complete')
    },

    async uploadSmallBatch(request) {
      if (noBatchRoute) return undefined
      // A form: the manifest (each file's create fields, as JSON), then each file. The
      // browser builds the body as it sends it, from the files themselves.
      const manifest = JSON.stringify({
        files: request.files.map(({ file, md5, metadata }) => ({
          name: file.name,
          size: file.size,
          type: file.type,
          lastModified: file.lastModified,
          hash: md5,
          metadata,
        })),
      })
      const form = new FormData()
      form.append('manifest', manifest)
      for (const { body } of request.files) form.append('file', body)
      // Progress counts the form's framing too: about the manifest and a part header per file.
      const framing = new TextEncoder().encode(manifest).byteLength + FORM_PART_BYTES
      const response = await send(request, 'PUT', `${base}/uploads/batch`, {
        body: form,
        onUploadProgress: (loaded) => request.onProgress(Math.max(0, loaded - framing)),
      })
      if (response.status === 404 || response.status === 405) {
        noBatchRoute = true
        return undefined
      }
      if (response.status !== 200) fail(request, response, 'Upload')
      const answers = parseJsonObject(response, 'Upload').files
      if (!Array.isArray(answers) || answers.length !== request.files.length)
        throw new UploadError('protocol', "The server's batch answer is malformed", {
          retryable: false,
        })
      return answers.map((answer: unknown): UploadResult | UploadError => {
        if (!isObject(answer) || !Number.isInteger(answer.status))
          return new UploadError('protocol', "The server's batch answer is malformed", {
            retryable: false,
          })
        if (answer.status === 201 && isObject(answer.file))
          return resultFrom(answer.file, 'complete')
        // The answer a lone `PUT /uploads` of the file would have had.
        const alone: HttpResponse = {
          status: answer.status as number,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: answer.error }),
        }
        return errorOf(request, alone, 'Upload')
      })
    },

    async status(request) {
      const response = await send(request, 'GET', uploadUrl(request.remote))
      if (response.status !== 200) fail(request, response, 'Status')
      const body = parseJsonObject(response, 'Status')
      return {
        parts: partsFromRanges(body.received, request.plan),
        partial: partialChunks(body.partial, request.plan),
      }
    },

    async uploadPart(request) {
      const { part } = request
      // Past the chunk's start: the rest of a chunk whose prefix the server kept.
      const offset = request.start - part.start
      const response = await send(
        request,
        'PUT',
        `${uploadUrl(request.remote)}/chunks/${part.index}`,
        {
          body: request.body,
          headers: {
            'content-type': 'application/octet-stream',
            ...(offset > 0 ? { 'upload-offset': String(offset) } : {}),
          },
          onUploadProgress: request.onProgress,
        },
      )
      if (response.status === 409 && serverErrorCode(response) === 'offset-mismatch') {
        // The server holds another prefix than its status said (it restarted, or another
        // request wrote since): retryable, and the engine's next attempt sends it whole.
        throw new UploadError('protocol', `Chunk ${part.index}: the server holds another prefix`, {
          retryable: true,
          status: 409,
        })
      }
      if (response.status !== 204 && response.status !== 200)
        fail(request, response, `Chunk ${part.index}`)
      return { index: part.index, size: part.end - part.start }
    },

    async uploadStream(request) {
      const response = await send(request, 'PUT', `${uploadUrl(request.remote)}/stream`, {
        body: request.body,
        headers: { 'content-type': 'application/octet-stream', 'upload-offset': '0' },
        onUploadProgress: request.onProgress,
      })
      if (response.status !== 200) fail(request, response, 'Stream')
      const body = parseJsonObject(response, 'Stream')
      return { parts: partsFromRanges(body.received, request.plan) }
    },

    async claim(request) {
      const response = await sendJson(request, `${uploadUrl(request.remote)}/instant`, {
        hash: request.hash,
      })
      if (response.status !== 200) fail(request, response, 'Instant upload')
      const body = parseJsonObject(response, 'Instant upload')
      return body.instant === true ? resultFrom(body, 'instant') : undefined
    },

    async complete(request) {
      const response = await sendJson(request, `${uploadUrl(request.remote)}/complete`, {
        hash: request.hash,
      })
      if (response.status === 409 && serverErrorCode(response) === 'incomplete') {
        throw new UploadError(
          'protocol',
          'The server is missing chunks the client saw acknowledged',
          {
            retryable: false,
            status: 409,
          },
        )
      }
      if (response.status !== 200) fail(request, response, 'Complete')
      return resultFrom(parseJsonObject(response, 'Complete'), 'complete')
    },

    async abort(request) {
      const response = await send(request, 'DELETE', uploadUrl(request.remote))
      if (response.status !== 204 && response.status !== 200 && response.status !== 404) {
        fail(request, response, 'Abort')
      }
    },
  }
}
