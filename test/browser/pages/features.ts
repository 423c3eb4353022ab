/**
 * The page of the feature tests (test/browser/features.test.ts): per-file metadata on each
 * protocol and the beforeAdd hook, through the public entry like an app. Runs uploads of files made in the page
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
}

function protocolOf(name: ProtocolName, endpoint: string): UploadProtocol {
  if (name === 's3') return createS3Protocol({ endpoint })
  if (name === 'tus') return createTusProtocol({ endpoint })
  return createHttpProtocol({ endpoint })
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
): Promise<FeatureRun> {
  const uploader = createDefaultUploader({ protocol: protocolOf(protocol, endpoint), ...options })
  const rejected: { name: string; code: string; reason?: string }[] = []
  uploader.on('file-rejected', ({ file, error }) =>
    rejected.push({ name: file.name, code: error.code, reason: error.params.reason as string }),
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
  return { uploads: JSON.parse(JSON.stringify(uploads)) as UploadSnapshot[], rejected }
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

const api = { metadata, beforeAdd }
export type FeaturesApi = typeof api
Object.assign(window, { features: api })
