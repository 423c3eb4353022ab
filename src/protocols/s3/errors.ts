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

/**
 * An error for a part PUT that S3 refused. An expired URL is retried at once (the next
 * attempt signs a fresh one); corrupted bytes (BadDigest) are retried; the rest as
 * `httpError` says (5xx/SlowDown retryable, NoSuchUpload not-found, other 4xx permanent).
 */
export function partError(response: HttpResponse, now: number, partNumber: number): UploadError {
  const code = xmlCode(response.body)
  const what = `Part ${partNumber}`
  if (response.status === 403 && /Request has expired/i.test(response.body)) {
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
