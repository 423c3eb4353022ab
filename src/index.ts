/**
 * vue-chunked-upload: resumable, concurrent, chunked uploads of very large files.
 * What an app needs: the plugin, the composables and components, the three protocols, the
 * default engine, errors and messages. Everything `vue-chunked-upload/vue` exports is here
 * too. More on subpath entries: `/core` (the engine and its ports), `/protocol-kit` (for
 * writing a protocol), `/http`, `/s3`, `/tus`, `/hashing`, `/transport`, `/persistence`,
 * `/tabs`, `/pinia`.
 */
export * from './entries/vue'
export { createHttpProtocol, type HttpProtocolOptions } from './protocols/http'
export { createS3Protocol, type S3ProtocolOptions } from './protocols/s3'
export { createTusProtocol, type TusProtocolOptions, type TusHeaders } from './protocols/tus'
export { createDefaultUploader, type DefaultUploaderOptions } from './vue/defaults'
export { en, zhCN } from './locales'
export type {
  Uploader,
  UploaderOptions,
  UploadProtocol,
  UploadResult,
  LiveRestrictions,
  ResumeStore,
  RetryPolicy,
  Hasher,
  Transport,
} from './core'
