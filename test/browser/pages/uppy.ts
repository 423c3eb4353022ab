/**
 * The S3 baseline for the bench: Uppy 5.1 (@uppy/aws-s3, six parts at a time) against the
 * same signing endpoints (server/s3) and the same bucket as this library's S3 path. Uppy sends
 * no Content-MD5, so it hashes nothing.
 */
import Uppy from '@uppy/core'
import AwsS3 from '@uppy/aws-s3'

async function call(url: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    ...init,
    headers: init.body ? { 'content-type': 'application/json' } : undefined,
  })
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${response.status}`)
  return response.status === 204 ? {} : ((await response.json()) as Record<string, unknown>)
}

/** Uploads `file` with Uppy 5; `uploadId` carries this signer's sealed upload id. */
export async function uppyS3(file: File, signer: string): Promise<{ ms: number; key?: string }> {
  const uppy = new Uppy({ autoProceed: false })
  const id = (uploadId: string | undefined) => `${signer}/uploads/${uploadId ?? ''}`
  uppy.use(AwsS3, {
    shouldUseMultipart: true,
    limit: 6,
    async createMultipartUpload(f) {
      const body = await call(`${signer}/uploads`, {
        method: 'POST',
        body: JSON.stringify({ name: f.name, size: f.size, type: f.type }),
      })
      return { uploadId: String(body.id), key: String(body.key) }
    },
    async signPart(_f, { uploadId, partNumber }) {
      const body = await call(`${id(uploadId)}/parts/${partNumber}`, { method: 'POST', body: '{}' })
      return { url: String(body.url), headers: body.headers as Record<string, string> }
    },
    async listParts(_f, { uploadId }) {
      const body = await call(`${id(uploadId)}/parts`)
      return (body.parts as { partNumber: number; etag: string; size: number }[]).map((p) => ({
        PartNumber: p.partNumber,
        ETag: p.etag,
        Size: p.size,
      }))
    },
    async completeMultipartUpload(_f, { uploadId, parts }) {
      const body = await call(`${id(uploadId)}/complete`, {
        method: 'POST',
        body: JSON.stringify({
          parts: parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag })),
        }),
      })
      return { location: String(body.key) }
    },
    async abortMultipartUpload(_f, { uploadId }) {
      await call(id(uploadId), { method: 'DELETE' })
    },
  })
  uppy.addFile({ name: file.name, type: file.type, data: file })
  const started = performance.now()
  const result = await uppy.upload()
  const ms = performance.now() - started
  uppy.destroy()
  const failed = result?.failed ?? []
  if (failed.length) throw new Error(`Uppy failed: ${String(failed[0].error)}`)
  const location = result?.successful?.[0]?.response?.body?.location
  return { ms, key: typeof location === 'string' ? location : undefined }
}
