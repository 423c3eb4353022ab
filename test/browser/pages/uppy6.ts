/**
 * The emulated S3 bench's second baseline: Uppy 6 (@uppy/aws-s3 6, rewritten on its own S3
 * client) with its defaults, `signRequest` presigning every S3 request through `presign`
 * (a bench-only endpoint in bench/s3.ts; Uppy 6 talks to the bucket itself). Installed apart
 * from the root in bench/peers/uppy6 and reached through the `@uppy6/*` aliases that
 * bench/s3.ts gives the page server; only the bench imports this module (never main.ts), so
 * the browser tests run without it installed.
 */
import Uppy from '@uppy6/core'
import AwsS3 from '@uppy6/aws-s3'

function file(): File {
  const input = document.querySelector<HTMLInputElement>('#file')!
  if (!input.files?.[0]) throw new Error('no file chosen')
  return input.files[0]
}

/** Uploads the chosen file with Uppy 6's multipart path; `key` is the object written. */
export async function uppy6S3(presign: string): Promise<{ ms: number; key?: string }> {
  const f = file()
  const key = `bench/uppy6-${Date.now()}-${f.name}`
  const uppy = new Uppy({ autoProceed: false })
  uppy.use(AwsS3, {
    shouldUseMultipart: true,
    generateObjectKey: () => key,
    async signRequest(request: unknown) {
      const response = await fetch(presign, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      })
      if (!response.ok) throw new Error(`presign: HTTP ${response.status}`)
      return (await response.json()) as { url: string }
    },
  })
  uppy.addFile({ name: f.name, type: f.type, data: f })
  const started = performance.now()
  const result = await uppy.upload()
  const ms = performance.now() - started
  uppy.destroy()
  const failed = result?.failed ?? []
  if (failed.length) throw new Error(`Uppy 6 failed: ${String(failed[0].error)}`)
  return { ms, key }
}
