import { httpError, UploadError, type HttpResponse } from '../../core'

/** `params.reason` of the error raised when the browser cannot read a part's ETag. */
export const ETAG_UNREADABLE = 'etag-unreadable'

/** The bucket's CORS rule does not expose ETag: nothing can complete, so say how to fix it. */
export function etagUnreadableError(partNumber: number): UploadError {
  return new UploadError(
    'protocol',
    `S3 accepted part ${partNumber} but its ETag header is not readable by this page. ` +
      'Add "ETag" to the bucket CORS rule\'s ExposeHeaders (AWS: "ExposeHeaders": ["ETag"]; ' +
      'XML: <ExposeHeader>ETag</ExposeHeader>), see ' +
      'https://github.com/vue-chunked-upload/vue-chunked-upload/blob/main/docs/s3.md#bucket-cors',
    { retryable: false, params: { reason: ETAG_UNREADABLE, part: partNumber } },
  )
}

/** True for the error of {@link etagUnreadableError}. */
export function isEtagUnreadable(error: unknown): boolean {
  return error instanceof UploadError && error.params.reason === ETAG_UNREADABLE
}

const xmlCode = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1]

/** Slack for a browser clock a little behind the storage's. */
const EXPIRY_SLACK_MS = 5_000

/**
 * When a presigned URL stops being valid, from its own `X-Amz-Date` (`20261202T133000Z`) and
 * `X-Amz-Expires` (seconds); undefined when it carries neither.
 */
export function presignedUrlExpiry(url: string): number | undefined {
  let params: URLSearchParams
  try {
    params = new URL(url).searchParams
  } catch {
    return undefined
  }
  const date = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(params.get('X-Amz-Date') ?? '')
  const expires = Number(params.get('X-Amz-Expires') ?? NaN)
  if (!date || !Number.isFinite(expires)) return undefined
  const [, y, mo, d, h, mi, s] = date.map(Number)
  return Date.UTC(y, mo - 1, d, h, mi, s) + expires * 1000
}

/**
 * An error for a part PUT that S3 refused. An expired URL is retried at once (the next
 * attempt signs a fresh one); corrupted bytes (BadDigest) are retried; the rest as
 * `httpError` says (5xx/SlowDown retryable, NoSuchUpload not-found, other 4xx permanent).
 * Expiry is read from the URL against the clock, not only from AWS's "Request has expired":
 * Ceph RGW answers a bare `403 AccessDenied` with an empty message.
 */
export function partError(
  response: HttpResponse,
  now: number,
  partNumber: number,
  url?: string,
): UploadError {
  const code = xmlCode(response.body)
  const what = `Part ${partNumber}`
  const expiry = url === undefined ? undefined : presignedUrlExpiry(url)
  const expired =
    /Request has expired/i.test(response.body) ||
    (expiry !== undefined && now >= expiry - EXPIRY_SLACK_MS)
  if (response.status === 403 && expired) {
    return new UploadError('expired', `${what}: the presigned URL expired; signing again`, {
      retryable: true,
      retryAfterMs: 0,
      status: 403,
    })
  }
  if (code === 'BadDigest' || code === 'InvalidDigest') {
    return new UploadError('server', `${what}: S3 received corrupted bytes (${code})`, {
      retryable: true,
      status: response.status,
    })
  }
  const error = httpError(response, now, what)
  return code
    ? new UploadError(error.code, `${error.message}: ${code}`, {
        retryable: error.retryable,
        status: error.status,
        retryAfterMs: error.retryAfterMs,
        cause: error.cause,
        params: error.params,
      })
    : error
}
