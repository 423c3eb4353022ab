/**
 * The soak's page (test/soak): one uploader per protocol, built with the package's public
 * API as an app would, files from an `<input type=file multiple>` (disk-backed). Every
 * engine event the soak counts goes to Node through `window.soakEvent` (exposed by
 * Playwright, so it survives reloads); uncaught errors and unhandled rejections too.
 */
import {
  createDefaultUploader,
  createHttpProtocol,
  createS3Protocol,
  createTusProtocol,
  type Uploader,
  type UploadSnapshot,
} from 'vue-chunked-upload'

export type SoakProtocol = 'http' | 'tus' | 's3'

export interface SoakPageConfig {
  readonly endpoints: Readonly<Record<SoakProtocol, string>>
  readonly chunkSize: Readonly<Record<SoakProtocol, number>>
  readonly concurrency: number
  readonly stallTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number }
}

/** What the page tells Node, as it happens. */
export type SoakEvent =
  | {
      type: 'started'
      protocol: SoakProtocol
      name: string
      resumed: boolean
      bytesAlready: number
    }
  | { type: 'retry'; protocol: SoakProtocol; name: string; code: string; attempt: number }
  | { type: 'success'; protocol: SoakProtocol; name: string; upload: UploadView }
  | { type: 'error'; protocol: SoakProtocol; name: string; upload: UploadView }
  | { type: 'warning'; protocol: SoakProtocol; code: string; message: string }
  | { type: 'page-error'; message: string }

export interface UploadView {
  readonly name: string
  readonly protocol: SoakProtocol
  readonly state: string
  readonly size: number
  readonly bytesUploaded: number
  readonly retries: number
  readonly bytesResent: number
  readonly resumed: boolean
  readonly location?: string
  readonly id?: string
  readonly hash?: string
  readonly error?: { code: string; message: string }
}

declare global {
  interface Window {
    soakEvent?: (event: SoakEvent) => Promise<void>
  }
}

const PROTOCOLS: readonly SoakProtocol[] = ['http', 'tus', 's3']
const uploaders = new Map<SoakProtocol, Uploader>()
/** Upload id by file name, per protocol. */
const ids = new Map<string, { protocol: SoakProtocol; id: string }>()

function report(event: SoakEvent): void {
  void window.soakEvent?.(event)
}

window.addEventListener('error', (event) =>
  report({ type: 'page-error', message: `error: ${event.message}` }),
)
window.addEventListener('unhandledrejection', (event) =>
  report({ type: 'page-error', message: `unhandled rejection: ${String(event.reason)}` }),
)

function view(protocol: SoakProtocol, upload: UploadSnapshot): UploadView {
  const status = upload.status
  const result = status.state === 'done' ? status.result : undefined
  return {
    name: upload.file.name,
    protocol,
    state: status.state,
    size: upload.file.size,
    bytesUploaded: upload.bytesUploaded,
    retries: upload.retries,
    bytesResent: upload.bytesResent,
    resumed: upload.resumed,
    location: result?.location,
    id: typeof result?.data?.id === 'string' ? result.data.id : undefined,
    hash: result?.hash,
    error:
      status.state === 'error'
        ? { code: status.error.code, message: status.error.message }
        : undefined,
  }
}

function init(config: SoakPageConfig): void {
  for (const protocol of PROTOCOLS) {
    const endpoint = config.endpoints[protocol]
    const uploader = createDefaultUploader({
      protocol:
        protocol === 's3'
          ? createS3Protocol({ endpoint })
          : protocol === 'tus'
            ? createTusProtocol({ endpoint })
            : createHttpProtocol({ endpoint }),
      chunkSize: config.chunkSize[protocol],
      concurrency: config.concurrency,
      stallTimeoutMs: config.stallTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      retry: config.retry,
    })
    const name = (upload: UploadSnapshot) => upload.file.name
    uploader.on('upload-started', ({ upload, resumed, bytesAlreadyUploaded }) =>
      report({
        type: 'started',
        protocol,
        name: name(upload),
        resumed,
        bytesAlready: bytesAlreadyUploaded,
      }),
    )
    uploader.on('upload-retry', ({ upload, error, attempt }) =>
      report({ type: 'retry', protocol, name: name(upload), code: error.code, attempt }),
    )
    uploader.on('upload-success', ({ upload }) =>
      report({ type: 'success', protocol, name: name(upload), upload: view(protocol, upload) }),
    )
    uploader.on('upload-error', ({ upload }) =>
      report({ type: 'error', protocol, name: name(upload), upload: view(protocol, upload) }),
    )
    uploader.on('warning', ({ error }) =>
      report({ type: 'warning', protocol, code: error.code, message: error.message }),
    )
    uploaders.set(protocol, uploader)
  }
}

function uploaderOf(protocol: SoakProtocol): Uploader {
  const uploader = uploaders.get(protocol)
  if (!uploader) throw new Error('soak page: init() first')
  return uploader
}

/** Adds the chosen files with these names to `protocol`'s uploader. */
function add(protocol: SoakProtocol, names: string[]): void {
  const input = document.querySelector<HTMLInputElement>('#files')!
  const files = [...(input.files ?? [])].filter((file) => names.includes(file.name))
  if (files.length !== names.length) throw new Error(`soak page: missing files of ${names}`)
  const { added, rejected } = uploaderOf(protocol).add(files)
  if (rejected.length > 0) {
    throw new Error(`soak page: rejected ${rejected.map((r) => r.error.code).join(', ')}`)
  }
  for (const upload of added) ids.set(upload.file.name, { protocol, id: upload.id })
}

/** Every upload of this page life. */
function status(): UploadView[] {
  return PROTOCOLS.flatMap((protocol) =>
    uploaderOf(protocol)
      .getSnapshot()
      .uploads.map((upload) => view(protocol, upload)),
  )
}

/** Cancels an upload (deleting it on the server) and forgets it. */
async function cancel(name: string): Promise<void> {
  const entry = ids.get(name)
  if (!entry) throw new Error(`soak page: no upload named ${name}`)
  await uploaderOf(entry.protocol).remove(entry.id)
  ids.delete(name)
}

/** Resume records left from earlier page lives, per protocol. */
async function pending(): Promise<Record<SoakProtocol, string[]>> {
  const out = {} as Record<SoakProtocol, string[]>
  for (const protocol of PROTOCOLS) {
    out[protocol] = (await uploaderOf(protocol).pending()).map((p) => p.file.name)
  }
  return out
}

/** Clears every pending upload (the banner's "Clear"): aborted on the server, record deleted. */
async function clearPending(): Promise<number> {
  let cleared = 0
  for (const protocol of PROTOCOLS) {
    const uploader = uploaderOf(protocol)
    for (const record of await uploader.pending()) {
      await uploader.discard(record.key)
      cleared++
    }
  }
  return cleared
}

const api = { init, add, status, cancel, pending, clearPending }
export type SoakApi = typeof api
Object.assign(window, { soak: api })
