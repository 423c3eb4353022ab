/**
 * Presigned POST forms (S3's browser form upload, signature V4) for the small-file batch
 * route. A form POST of `multipart/form-data` with no custom header is a CORS "simple"
 * request: unlike a presigned PUT, the browser sends it without a preflight, which on a
 * folder of small files is one round trip in two saved. Each form holds its own policy,
 * bound to one key the signer chose and to the file's exact size.
 */
import { createHmac } from 'node:crypto'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'

/** A presigned POST: the bucket URL and the form fields to send before the file. */
export interface PostForm {
  readonly url: string
  readonly fields: Readonly<Record<string, string>>
}

/** What the bucket must hold for one form: its key, exact size and optional content type. */
export interface PostObject {
  readonly key: string
  readonly size: number
  readonly type?: string
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()

/** S3's encoding of a key's path segments (RFC 3986 unreserved kept, `/` kept). */
const encodeKey = (key: string) =>
  key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/')

/**
 * The URL forms are posted to (path-style or virtual-hosted, as the client is configured):
 * a presigned GetObject URL of `key` without its key and query, so it follows the client's
 * endpoint and addressing exactly.
 */
async function bucketUrl(client: S3Client, bucket: string, key: string): Promise<string> {
  const signed = new URL(
    await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: 60,
    }),
  )
  const suffix = `/${encodeKey(key)}`
  if (!signed.pathname.endsWith(suffix)) {
    throw new Error(`cannot find the bucket URL in ${signed.origin}${signed.pathname}`)
  }
  return `${signed.origin}${signed.pathname.slice(0, -suffix.length)}/`
}

/**
 * Signs one POST form per object, valid for `expiresIn` seconds. The policy pins the key
 * (`eq`), the size (`content-length-range` of exactly the file's bytes), the content type
 * when given, and `success_action_status` 201, whose XML answer carries the object's ETag (RGW sends
 * no ETag header with a form POST's 200 or 204).
 */
export async function signPostForms(
  client: S3Client,
  bucket: string,
  objects: readonly PostObject[],
  expiresIn: number,
  now = new Date(),
): Promise<PostForm[]> {
  if (objects.length === 0) return []
  const credentials = await client.config.credentials()
  const region = await client.config.region()
  const url = await bucketUrl(client, bucket, objects[0].key)
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const credential = `${credentials.accessKeyId}/${day}/${region}/s3/aws4_request`
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), 's3'),
    'aws4_request',
  )
  const expiration = new Date(now.getTime() + expiresIn * 1000).toISOString()
  return objects.map(({ key, size, type }) => {
    const fields: Record<string, string> = {
      key,
      ...(type ? { 'Content-Type': type } : {}),
      success_action_status: '201',
      'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-credential': credential,
      'x-amz-date': amzDate,
      ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
    }
    const policy = Buffer.from(
      JSON.stringify({
        expiration,
        conditions: [
          { bucket },
          ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
          ['content-length-range', size, size],
        ],
      }),
    ).toString('base64')
    return {
      url,
      fields: {
        ...fields,
        policy,
        'x-amz-signature': hmac(signingKey, policy).toString('hex'),
      },
    }
  })
}
