/**
 * The seed's stack as an app builds it: the library's S3 client talking to the Django signer
 * (backends/django) on the page's own origin, with Django's CSRF token sent the documented
 * way (the `csrftoken` cookie's value as `X-CSRFToken`). Exposed on `window.vcuDjango`.
 */
import {
  createDefaultUploader,
  createS3Protocol,
  type UploadResult,
  type UploadSnapshot,
} from 'vue-chunked-upload'
import { MiB } from 'vue-chunked-upload/protocol-kit'

function cookie(name: string): string {
  const entry = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`))
  return entry ? decodeURIComponent(entry.slice(name.length + 1)) : ''
}

function uploaderFor(endpoint: string, concurrency = 3) {
  return createDefaultUploader({
    protocol: createS3Protocol({
      endpoint,
      headers: () => ({ 'X-CSRFToken': cookie('csrftoken') }),
    }),
    hashing: false,
    chunkSize: 5 * MiB,
    concurrency,
  })
}

/** Django sets the cookie on a view decorated with `ensure_csrf_cookie`. */
async function csrf(endpoint: string): Promise<void> {
  await fetch(`${endpoint}/csrf`, { credentials: 'same-origin' })
}

function chosen(): File {
  const input = document.querySelector<HTMLInputElement>('#file')!
  if (!input.files?.[0]) throw new Error('no file chosen')
  return input.files[0]
}

export interface DjangoRun {
  readonly state: string
  readonly resumed: boolean
  readonly result?: UploadResult
  readonly error?: { code: string; message: string }
}

async function upload(options: { endpoint: string; concurrency?: number }): Promise<DjangoRun> {
  await csrf(options.endpoint)
  const uploader = uploaderFor(options.endpoint, options.concurrency)
  const snapshot = await new Promise<UploadSnapshot>((resolve) => {
    uploader.on('upload-success', ({ upload }) => resolve(upload))
    uploader.on('upload-error', ({ upload }) => resolve(upload))
    uploader.add(chosen())
  })
  uploader.destroy()
  const status = snapshot.status
  return {
    state: status.state,
    resumed: snapshot.resumed,
    result: status.state === 'done' ? status.result : undefined,
    error:
      status.state === 'error'
        ? { code: status.error.code, message: status.error.message }
        : undefined,
  }
}

/** Names of the uploads saved by earlier visits. */
async function pending(options: { endpoint: string }): Promise<string[]> {
  const uploader = uploaderFor(options.endpoint)
  const list = await uploader.pending()
  uploader.destroy()
  return list.map((p) => p.file.name)
}

/** Clear: aborts each pending upload on the server and forgets its record. */
async function clearAll(options: { endpoint: string }): Promise<boolean[]> {
  await csrf(options.endpoint)
  const uploader = uploaderFor(options.endpoint)
  const done = await Promise.all((await uploader.pending()).map((p) => uploader.discard(p.key)))
  uploader.destroy()
  return done
}

const api = { upload, pending, clearAll }
export type VcuDjangoApi = typeof api
;(window as unknown as { vcuDjango: VcuDjangoApi }).vcuDjango = api
