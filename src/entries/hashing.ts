/** `vue-chunked-upload/hashing`: MD5 of large files, in a Web Worker with an inline fallback. */
export {
  createHasher,
  createInlineHasher,
  createWorkerHasher,
  md5OfBlob,
  sampleMd5,
  DEFAULT_INLINE_SLICE_SIZE,
  DEFAULT_SAMPLE_SIZE,
  DEFAULT_SLICE_SIZE,
  DEFAULT_WORKER_IDLE_MS,
} from '../hashing'
export type {
  DisposableHasher,
  HasherOptions,
  InlineHasherOptions,
  Md5Engine,
  Md5StreamOptions,
  SampleMd5Options,
  WorkerHasherOptions,
} from '../hashing'
