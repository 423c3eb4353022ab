/**
 * The backends the playground can upload to. `npm run dev` starts each one on 127.0.0.1
 * and passes its URL in a VITE_* variable; a protocol added to the library adds one entry.
 */
import {
  createHttpProtocol,
  createS3Protocol,
  createTusProtocol,
  type UploadProtocol,
} from 'vue-chunked-upload'

export interface Backend {
  readonly id: string
  readonly label: string
  /** Where it listens, shown to the user. */
  readonly endpoint: string
  create(): UploadProtocol
}

const env = import.meta.env

export const backends: readonly Backend[] = [
  {
    id: 'http',
    label: 'HTTP chunk protocol',
    endpoint: env.VITE_UPLOAD_ENDPOINT ?? 'http://127.0.0.1:8787/http',
    create() {
      return createHttpProtocol({ endpoint: this.endpoint })
    },
  },
  {
    id: 'tus',
    label: 'tus 1.0 (@tus/server)',
    endpoint: env.VITE_TUS_ENDPOINT ?? 'http://127.0.0.1:8787/tus',
    create() {
      return createTusProtocol({ endpoint: this.endpoint })
    },
  },
  {
    id: 's3',
    label: 'S3 multipart (presigned parts)',
    endpoint: env.VITE_S3_ENDPOINT ?? 'http://127.0.0.1:8787/s3',
    create() {
      return createS3Protocol({ endpoint: this.endpoint })
    },
  },
]
