/**
 * Bench only: presigns whichever S3 request Uppy 6's `signRequest` asks for (it then talks
 * to the bucket itself). No auth and any key: never mount this outside a benchmark.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { withCors } from '../server/cors'
import type { FetchHandler } from '../server/router'

/** What Uppy 6's `signRequest` sends: one S3 request to presign. */
interface PresignRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  key: string
  uploadId?: string
  partNumber?: number
  contentType?: string
}

export function createPresignHandler(client: S3Client, Bucket: string): FetchHandler {
  return withCors(async (request) => {
    if (request.method !== 'POST') return new Response(null, { status: 405 })
    const r = (await request.json()) as PresignRequest
    const Key = r.key
    const UploadId = r.uploadId
    const command =
      r.method === 'PUT' && r.partNumber !== undefined
        ? new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: r.partNumber })
        : r.method === 'PUT'
          ? new PutObjectCommand({ Bucket, Key, ContentType: r.contentType })
          : r.method === 'POST' && UploadId === undefined
            ? new CreateMultipartUploadCommand({ Bucket, Key })
            : r.method === 'POST'
              ? new CompleteMultipartUploadCommand({ Bucket, Key, UploadId })
              : r.method === 'GET'
                ? new ListPartsCommand({ Bucket, Key, UploadId })
                : UploadId !== undefined
                  ? new AbortMultipartUploadCommand({ Bucket, Key, UploadId })
                  : new DeleteObjectCommand({ Bucket, Key })
    return Response.json({
      url: await getSignedUrl(
        client,
        // One of seven command types; the union is too wide for the presigner's generics.
        command as unknown as Parameters<typeof getSignedUrl>[1],
        { expiresIn: 3600 },
      ),
    })
  })
}
