import { UploadError } from '../errors'
import type { FileInfo } from '../types'

/**
 * Learns whether the browser can still read `file`, by reading one byte. A File is a snapshot:
 * when the file on disk is modified, Chromium fails every read with `NotReadableError`; when
 * it is deleted or moved, with `NotFoundError`. Requests carrying such a File fail like a
 * network error, so without this check the upload would retry a file that can never be sent.
 * Resolves to the error to fail with, or undefined when the file reads fine.
 */
export async function checkFileReadable(
  file: Blob,
  info: FileInfo,
): Promise<UploadError | undefined> {
  const live = file as Partial<File>
  if (
    file.size !== info.size ||
    (typeof live.lastModified === 'number' && live.lastModified !== info.lastModified)
  ) {
    return changed(info, undefined)
  }
  if (info.size === 0) return undefined
  try {
    await file.slice(0, 1).arrayBuffer()
    return undefined
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name
    if (name === 'NotReadableError') return changed(info, error)
    return new UploadError('file-unreadable', `${info.name} can no longer be read`, {
      retryable: false,
      cause: error,
      params: { name: info.name },
    })
  }
}

function changed(info: FileInfo, cause: unknown): UploadError {
  return new UploadError('file-changed', `${info.name} changed on disk during the upload`, {
    retryable: false,
    cause,
    params: { name: info.name },
  })
}
