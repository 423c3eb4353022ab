import type { UploaderOptions } from '../core'

/**
 * Engine options the Vue layer hands through as they are (functions and values read when
 * a file is added or an upload starts, never reactive): per-file metadata.
 */
export interface FeatureOptions {
  /**
   * String pairs sent with every upload when it is created (HTTP create body, tus
   * `Upload-Metadata`, S3 `x-amz-meta-*`): the same for all files, or a function of the
   * file. `add(files, { metadata })` adds to it per call. A file whose metadata cannot be
   * sent is rejected with `invalid-metadata`.
   */
  metadata?: UploaderOptions['metadata']
}

/** The feature options present in `options`, for the engine. */
export function featureOptions(options: FeatureOptions): FeatureOptions {
  const picked: FeatureOptions = {}
  if (options.metadata !== undefined) picked.metadata = options.metadata
  return picked
}
