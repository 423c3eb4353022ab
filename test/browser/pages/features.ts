/**
 * The page of the feature tests (test/browser/features.test.ts): per-file metadata on each
 * protocol, a picked folder's relative paths, the beforeAdd hook and the beforeUpload hook, through the public entry like an app. Runs uploads of files made in the page
 * and answers their snapshots as JSON.
 */
import {
  createDefaultUploader,
  createHttpProtocol,
  createS3Protocol,
  createTusProtocol,
  type UploadProtocol,
  type UploadSnapshot,
  type UploaderOptions,
} from 'vue-chunked-upload'

export type ProtocolName = 'http' | 'tus' | 's3'

export interface FeatureRun {
  readonly uploads: readonly UploadSnapshot[]
  readonly rejected: readonly { name: string; code: string; reason?: string }[]
  /** Uploads that ended in `upload-error`. */
  readonly failed: readonly { name: string; code: string; reason?: string }[]
}

function protocolOf(
  name: ProtocolName,
  endpoint: string,
  headers: Record<string, string> = {},
): UploadProtocol {
  if (name === 's3') return createS3Protocol({ endpoint, headers })
  if (name === 'tus') return createTusProtocol({ endpoint, headers })
  return createHttpProtocol({ endpoint, headers })
}

const fileOf = (name: string, size: number) =>
  new File([new Uint8Array(size).fill(name.length)], name, { type: 'image/jpeg' })

/** Uploads `files` (made here) with `options`; `addMetadata` goes to `add`. */
async function run(
  protocol: ProtocolName,
  endpoint: string,
  files: readonly File[],
  options: Partial<UploaderOptions> = {},
  addOptions: Parameters<ReturnType<typeof createDefaultUploader>['add']>[1] = {},
  headers: Record<string, string> = {},
): Promise<FeatureRun> {
  const uploader = createDefaultUploader({
    protocol: protocolOf(protocol, endpoint, headers),
    ...options,
  })
  const rejected: { name: string; code: string; reason?: string }[] = []
  uploader.on('file-rejected', ({ file, error }) =>
    rejected.push({ name: file.name, code: error.code, reason: error.params.reason as string }),
  )
  const failed: { name: string; code: string; reason?: string }[] = []
  uploader.on('upload-error', ({ upload, error }) =>
    failed.push({
      name: upload.file.name,
      code: error.code,
      reason: error.params.reason as string,
    }),
  )
  const ended = new Set<string>()
  const finished = new Promise<void>((resolve) => {
    const end = ({ upload }: { upload: UploadSnapshot }) => {
      ended.add(upload.id)
      if (ended.size === uploader.getSnapshot().uploads.length) resolve()
    }
    uploader.on('upload-success', end)
    uploader.on('upload-error', end)
  })
  const { added } = uploader.add(files, addOptions)
  if (added.length > 0) await finished
  const uploads = uploader.getSnapshot().uploads
  uploader.destroy()
  return { uploads: JSON.parse(JSON.stringify(uploads)) as UploadSnapshot[], rejected, failed }
}

/** Metadata from the option (a function of the file) and from `add`; one file refused. */
function metadata(protocol: ProtocolName, endpoint: string): Promise<FeatureRun> {
  return run(
    protocol,
    endpoint,
    [fileOf('beach.jpg', 200_000), fileOf('bad.jpg', 10)],
    {
      metadata: (file): Record<string, string> =>
        file.name === 'bad.jpg' ? { note: 'tab\there' } : { original: file.name },
    },
    { metadata: { album: 'Été 2025' } },
  )
}

/** `beforeAdd` refuses one file with a reason and adds metadata to the other. */
function beforeAdd(protocol: ProtocolName, endpoint: string): Promise<FeatureRun> {
  return run(protocol, endpoint, [fileOf('setup.exe', 10), fileOf('photo.jpg', 150_000)], {
    beforeAdd: (file) =>
      file.name.endsWith('.exe') ? 'programs are not accepted' : { metadata: { checked: 'yes' } },
  })
}

/** A 1200×900 PNG of noise (compresses badly as PNG, well as a small JPEG). */
async function photoOf(name: string): Promise<File> {
  const canvas = new OffscreenCanvas(1200, 900)
  const context = canvas.getContext('2d')!
  const pixels = context.createImageData(canvas.width, canvas.height)
  for (let i = 0; i < pixels.data.length; i++) pixels.data[i] = (i * 7919) % 256
  context.putImageData(pixels, 0, 0)
  const png = await canvas.convertToBlob({ type: 'image/png' })
  return new File([png], name, { type: 'image/png' })
}

/**
 * `beforeUpload` shrinks an image as docs/features.md shows (createImageBitmap, an
 * OffscreenCanvas, convertToBlob) and refuses a text file. Answers the run, the original's
 * size and the SHA-256 and size of the blob the hook handed back.
 */
async function beforeUpload(
  protocol: ProtocolName,
  endpoint: string,
): Promise<FeatureRun & { originalSize: number; sentSize: number; sentSha256: string }> {
  const photo = await photoOf('photo.png')
  let sent: Blob | undefined
  const run_ = await run(protocol, endpoint, [photo, new File(['notes'], 'notes.txt')], {
    beforeUpload: async (file, { blob, signal }) => {
      if (!file.type.startsWith('image/')) return 'only images are sent'
      const bitmap = await createImageBitmap(blob)
      const scale = Math.min(1, 300 / Math.max(bitmap.width, bitmap.height))
      const canvas = new OffscreenCanvas(
        Math.round(bitmap.width * scale),
        Math.round(bitmap.height * scale),
      )
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
      bitmap.close()
      signal.throwIfAborted()
      sent = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 })
      return { blob: sent, metadata: { 'original-size': String(file.size) } }
    },
  })
  const digest = sent ? await crypto.subtle.digest('SHA-256', await sent.arrayBuffer()) : undefined
  return {
    ...run_,
    originalSize: photo.size,
    sentSize: sent?.size ?? -1,
    sentSha256: digest
      ? [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
      : '',
  }
}

/** The folder picker the test fills with `setInputFiles(dir)` (a `webkitdirectory` input). */
const folderInput = Object.assign(document.createElement('input'), {
  type: 'file',
  id: 'folder',
  webkitdirectory: true,
})
document.body.append(folderInput)

/** Uploads the files of the picked folder, each carrying its `webkitRelativePath`. */
function folder(protocol: ProtocolName, endpoint: string): Promise<FeatureRun> {
  return run(protocol, endpoint, Array.from(folderInput.files ?? []))
}

/**
 * `maxTotalSize: 300_000`: 200 kB, then 150 kB (the sum would pass it: refused), then 50 kB
 * (fits); the two accepted files upload.
 */
function maxTotal(protocol: ProtocolName, endpoint: string): Promise<FeatureRun> {
  return run(
    protocol,
    endpoint,
    [fileOf('first.jpg', 200_000), fileOf('second.jpg', 150_000), fileOf('third.jpg', 50_000)],
    { maxTotalSize: 300_000 },
  )
}

/**
 * Sent with `Bearer alice-1`, which the test's server stops accepting after the create:
 * `refreshAuth` gives `Bearer alice-2`. Multipart (no small-file path), so the S3 signer is
 * asked after the create too.
 */
async function refreshAuth(
  protocol: ProtocolName,
  endpoint: string,
): Promise<FeatureRun & { refreshes: number }> {
  let refreshes = 0
  const result = await run(
    protocol,
    endpoint,
    [fileOf('report.jpg', 300_000)],
    {
      smallFileThreshold: 0,
      refreshAuth: async () => {
        refreshes++
        return { authorization: 'Bearer alice-2' }
      },
    },
    {},
    { authorization: 'Bearer alice-1' },
  )
  return { ...result, refreshes }
}

const api = { metadata, beforeAdd, beforeUpload, folder, maxTotal, refreshAuth }
export type FeaturesApi = typeof api
Object.assign(window, { features: api })
