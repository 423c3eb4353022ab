import type { UploaderOptions } from '../core'

/**
 * Engine options the Vue layer hands through as they are (functions and values read when
 * a file is added or an upload starts, never reactive): per-file metadata, the `beforeAdd` and
 * `beforeUpload` hooks and `refreshAuth`.
 */
export interface FeatureOptions {
  /**
   * String pairs sent with every upload when it is created (HTTP create body, tus
   * `Upload-Metadata`, S3 `x-amz-meta-*`): the same for all files, or a function of the
   * file. `add(files, { metadata })` adds to it per call. A file whose metadata cannot be
   * sent is rejected with `invalid-metadata`.
   */
  metadata?: UploaderOptions['metadata']
  /**
   * Called for each file before it is added: `false`, a reason string or a throw refuses
   * it (`file-refused`, shown with the reason); `{ metadata }` adds metadata for it.
   */
  beforeAdd?: UploaderOptions['beforeAdd']
  /**
   * Called once per upload before its first byte (async, abortable through
   * `context.signal`): `false`, a reason string or a throw ends the upload with
   * `file-refused`; `{ blob }` sends that blob instead (e.g. a compressed image);
   * `{ metadata }` adds metadata for it.
   */
  beforeUpload?: UploaderOptions['beforeUpload']
  /**
   * Called when a request is answered 401: resolve with fresh auth headers, which go on
   * every later request; the request is sent again once. A throw fails the upload.
   */
  refreshAuth?: UploaderOptions['refreshAuth']
}

/** The feature options present in `options`, for the engine. */
export function featureOptions(options: FeatureOptions): FeatureOptions {
  const picked: FeatureOptions = {}
  if (options.metadata !== undefined) picked.metadata = options.metadata
  if (options.beforeAdd !== undefined) picked.beforeAdd = options.beforeAdd
  if (options.beforeUpload !== undefined) picked.beforeUpload = options.beforeUpload
  if (options.refreshAuth !== undefined) picked.refreshAuth = options.refreshAuth
  return picked
}
