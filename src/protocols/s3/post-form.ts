/**
 * A small file as a presigned POST form (S3's browser form upload), signed ahead in a batch
 * by the signer's `POST /objects/batch`. Sent as `multipart/form-data` with no other header
 * and no upload progress listener, it is a CORS "simple" request: the browser sends no
 * preflight, so each small file costs one request instead of two.
 */
import {
  isObject,
  MiB,
  parseJsonObject,
  type HttpResponse,
  type SmallUploadRequest,
  UploadError,
} from '../../core'
import { partError } from './errors'

/** One signed form: where to post it, the fields before the file, the key it creates. */
export interface SignedForm {
  readonly url: string
  readonly fields: Readonly<Record<string, string>>
  readonly key: string
}

/**
 * Files up to this size go as forms, posted without upload progress events: a listener on
 * the upload makes the browser preflight the request, which costs more than a 1 MiB body on
 * a fast link. Their progress jumps to done when the answer comes. Larger small files take
 * a presigned PUT; a form that comes anyway (another signer's) reports progress.
 */
export const QUIET_FORM_MAX = MiB

/** The forms of a batch answer, one per file asked for; undefined when it is not one. */
export function parseForms(response: HttpResponse, count: number): SignedForm[] | undefined {
  let body: Record<string, unknown>
  try {
    body = parseJsonObject(response, 'Sign objects')
  } catch {
    return undefined
  }
  const objects = body.objects
  if (!Array.isArray(objects) || objects.length !== count) return undefined
  const forms: SignedForm[] = []
  for (const item of objects) {
    if (!isObject(item) || typeof item.url !== 'string' || typeof item.key !== 'string') {
      return undefined
    }
    if (!isObject(item.fields)) return undefined
    const fields: Record<string, string> = {}
    for (const [name, value] of Object.entries(item.fields)) {
      if (typeof value !== 'string') return undefined
      fields[name] = value
    }
    forms.push({ url: item.url, fields, key: item.key })
  }
  return forms
}

/** Quotes and escapes a form field name or value as multipart/form-data wants it. */
const quoted = (value: string) => value.replace(/["\r\n]/g, (c) => encodeURIComponent(c))

/**
 * Posts the file with its form. Resolves with the object's ETag (hex, from the XML answer
 * of `success_action_status` 201, or the ETag header), or undefined when neither gives one.
 */
export async function postForm(
  request: SmallUploadRequest,
  form: SignedForm,
): Promise<string | undefined> {
  const { body: file, onProgress } = request
  const quiet = file.size <= QUIET_FORM_MAX
  // Quiet (no progress): a FormData, which the browser turns into the multipart body on
  // the way out. Gathering the fields and the File into one Blob instead costs the page
  // about a millisecond per file (the browser registers the new Blob and its parts).
  const sent = quiet ? formData(form, file) : formBlob(form, file)
  const response = await request.transport.request({
    method: 'POST',
    url: form.url,
    signal: request.signal,
    body: sent.body,
    headers: sent.headers,
    signedUrl: true,
    onUploadProgress: quiet
      ? undefined
      : (loaded) => onProgress(Math.max(0, Math.min(file.size, loaded - sent.overhead))),
  })
  if (response.status !== 201 && response.status !== 200 && response.status !== 204) {
    throw formError(response, request.clock.now())
  }
  onProgress(file.size)
  return etagOf(response)
}

interface FormBody {
  readonly body: FormData | Blob
  readonly headers: Readonly<Record<string, string>> | undefined
  /** Bytes of the body that are not the file's (known for the Blob only). */
  readonly overhead: number
}

/** The fields in order, then the file (S3 reads every field before `file`, ignores what follows). */
function formData(form: SignedForm, file: Blob): FormBody {
  const body = new FormData()
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value)
  body.append('file', file, 'blob')
  return { body, headers: undefined, overhead: 0 }
}

/** The same form as one Blob with a boundary of our own, so its overhead is known for progress. */
function formBlob(form: SignedForm, file: Blob): FormBody {
  const boundary = `----vcu${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`
  const parts: BlobPart[] = []
  for (const [name, value] of Object.entries(form.fields)) {
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`,
    )
  }
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
    file,
    `\r\n--${boundary}--\r\n`,
  )
  const body = new Blob(parts)
  return {
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    overhead: body.size - file.size,
  }
}

function formError(response: HttpResponse, now: number): UploadError {
  // An expired or refused form: the retry signs afresh (a presigned PUT), as for a part URL.
  if (response.status === 403) {
    return new UploadError('expired', 'The form upload was refused (403); signing again', {
      retryable: true,
      retryAfterMs: 0,
      status: 403,
    })
  }
  return partError(response, now, 1)
}

function etagOf(response: HttpResponse): string | undefined {
  const inBody = /<ETag>([^<]*)<\/ETag>/i.exec(response.body)?.[1]
  const raw = inBody ?? response.headers.etag
  if (raw === undefined) return undefined
  const hex = raw
    .replace(/&quot;|"/g, '')
    .trim()
    .toLowerCase()
  return hex === '' ? undefined : hex
}
