/**
 * The components and `UploadPlugin`, which provides the engine and registers them globally.
 * Styles: `vue-chunked-upload/style.css` (every colour and size is a --vcu-* property).
 */
import { createUploadPlugin } from '../vue'
import ResumeBanner from './ResumeBanner.vue'
import UploadDropzone from './UploadDropzone.vue'
import UploadProgress from './UploadProgress.vue'

export { UploadDropzone, UploadProgress, ResumeBanner }
export type { UploadDropzoneProps } from './UploadDropzone.vue'
export type { UploadProgressProps } from './UploadProgress.vue'
export type { ResumeBannerProps } from './ResumeBanner.vue'
export { viewOf, type UploadView } from './upload-labels'
export type { BulkAction } from './bulk-actions'
export type { FileKind } from './file-kind'

/**
 * `app.use(UploadPlugin, options)`: provides one engine (created lazily on the client,
 * destroyed when the app unmounts) and registers `<UploadDropzone>`, `<UploadProgress>` and
 * `<ResumeBanner>` globally.
 */
export const UploadPlugin = /* @__PURE__ */ createUploadPlugin({
  UploadDropzone,
  UploadProgress,
  ResumeBanner,
})

declare module 'vue' {
  export interface GlobalComponents {
    UploadDropzone: typeof UploadDropzone
    UploadProgress: typeof UploadProgress
    ResumeBanner: typeof ResumeBanner
  }
}
