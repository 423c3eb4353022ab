import {
  httpError,
  UploadError,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  type ProtocolContext,
  type RemoteUpload,
  type RequestBody,
} from '../../core'
import {
  ASSUMED_SERVER,
  expiredError,
  expiresOf,
  integerHeader,
  OFFSET_CONTENT_TYPE,
  parseServerInfo,
  TUS_VERSION,
  type TusServerInfo,
} from './wire'

/** Extra headers for every tus request (auth): fixed, or a function called per request. */
export type TusHeaders = Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>)

/**
 * The wire calls shared by the plain and the concatenation paths: every request carries
 * `Tus-Resumable`, the server is learned once per protocol instance, and statuses become
 * typed errors.
 */
export interface TusClient {
  readonly endpoint: string
  send(
    ctx: ProtocolContext,
    method: HttpMethod,
    url: string,
    extra?: Partial<HttpRequest> & { body?: RequestBody },
  ): Promise<HttpResponse>
  /** OPTIONS, once: concurrent callers share one request, a failed one is asked again. */
  learn(ctx: ProtocolContext): Promise<TusServerInfo>
  /** What was learned so far, without asking. */
  readonly known: TusServerInfo | undefined
  /** HEAD: the offset the server holds; 404/410 and a past `Upload-Expires` are errors. */
  head(ctx: ProtocolContext, url: string, length: number, storedExpiry?: number): Promise<number>
  /** PATCH from `offset`; resolves with the new offset the server reports. */
  patch(
    ctx: ProtocolContext,
    url: string,
    offset: number,
    body: Blob,
    onProgress: (loaded: number) => void,
    headers?: Readonly<Record<string, string>>,
  ): Promise<number>
  fail(ctx: ProtocolContext, response: HttpResponse, what: string): never
}

export function createTusClient(endpoint: string, headers: TusHeaders | undefined): TusClient {
  let learned: TusServerInfo | undefined
  let learning: Promise<TusServerInfo> | undefined
  const extraHeaders = () => (typeof headers === 'function' ? headers() : (headers ?? {}))

  const client: TusClient = {
    endpoint,
    get known() {
      return learned
    },

    send(ctx, method, url, extra = {}) {
      return ctx.transport.request({
        method,
        url,
        signal: ctx.signal,
        ...extra,
        headers: { ...extraHeaders(), 'tus-resumable': TUS_VERSION, ...extra.headers },
      })
    },

    learn(ctx) {
      if (learned) return Promise.resolve(learned)
      learning ??= (async () => {
        const response = await client.send(ctx, 'OPTIONS', endpoint)
        let info: TusServerInfo
        if (response.status === 200 || response.status === 204) {
          info = parseServerInfo(response)
          // No Tus-Version at all: a server (or proxy) that does not describe itself.
          if (info.versions.length === 0) info = ASSUMED_SERVER
        } else if (response.status >= 400 && response.status < 500) {
          info = ASSUMED_SERVER
        } else {
          throw httpError(response, ctx.clock.now(), 'tus OPTIONS')
        }
        if (!info.versions.includes(TUS_VERSION)) {
          throw new UploadError(
            'unsupported',
            `The server speaks tus ${info.versions.join(', ')}, not ${TUS_VERSION}`,
            { retryable: false },
          )
        }
        learned = info
        return info
      })().finally(() => {
        learning = undefined
      })
      return learning
    },

    async head(ctx, url, length, storedExpiry) {
      const response = await client.send(ctx, 'HEAD', url)
      if (response.status !== 200 && response.status !== 204) client.fail(ctx, response, 'HEAD')
      const offset = integerHeader(response, 'upload-offset', 'HEAD')
      const serverLength = response.headers['upload-length']
      if (serverLength !== undefined && Number(serverLength) !== length) {
        // Not the upload this record describes: start over rather than corrupt a file.
        throw new UploadError('not-found', `The tus upload at ${url} has another length`, {
          retryable: false,
        })
      }
      // The server's own expiry wins; the one from creation stands in when HEAD has none.
      const expires = expiresOf(response) ?? storedExpiry
      if (offset < length && expires !== undefined && expires <= ctx.clock.now()) {
        throw expiredError(expires)
      }
      return offset
    },

    async patch(ctx, url, offset, body, onProgress, more = {}) {
      const response = await client.send(ctx, 'PATCH', url, {
        body,
        headers: { ...more, 'content-type': OFFSET_CONTENT_TYPE, 'upload-offset': String(offset) },
        onUploadProgress: onProgress,
      })
      if (response.status !== 204 && response.status !== 200) client.fail(ctx, response, 'PATCH')
      return integerHeader(response, 'upload-offset', 'PATCH')
    },

    fail(ctx, response, what) {
      if (response.status === 409) {
        // The server holds another offset than we sent from: retryable, and the engine
        // asks HEAD (status) before the next attempt.
        throw new UploadError('server', `${what}: Upload-Offset conflict (HTTP 409)`, {
          retryable: true,
          status: 409,
        })
      }
      if (response.status === 460) {
        throw new UploadError('server', `${what}: the server received corrupted bytes`, {
          retryable: true,
          status: 460,
        })
      }
      throw httpError(response, ctx.clock.now(), `tus ${what}`)
    },
  }
  return client
}

/** `expiresAt` as stored in a remote handle, when it is a usable number. */
export function storedExpiry(remote: RemoteUpload): number | undefined {
  const at = remote.expiresAt
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined
}
