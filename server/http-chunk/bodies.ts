import type { CompletedMeta } from './meta'
import type { UploadState } from './upload-state'

/** The completion body of docs/http-protocol.md ("complete"). */
export function completionBody(file: CompletedMeta): Record<string, unknown> {
  const { id, size, hash, name, instant, metadata } = file
  return { id, size, hash, name, instant, ...(metadata === undefined ? {} : { metadata }) }
}

/** The status body of an upload still receiving chunks. */
export function uploadStatus(upload: UploadState): Record<string, unknown> {
  const { id, size, chunkSize, chunkCount, expiresAt } = upload.meta
  return {
    id,
    size,
    chunkSize,
    chunkCount,
    received: upload.received.ranges(),
    partial: upload.partialChunks(),
    complete: false,
    expiresAt,
  }
}

/** The status body of a completed upload: every chunk held, no expiry, and the result. */
export function completedStatus(file: CompletedMeta): Record<string, unknown> {
  const chunkCount = Math.ceil(file.size / file.chunkSize)
  return {
    id: file.id,
    size: file.size,
    chunkSize: file.chunkSize,
    chunkCount,
    received: chunkCount > 0 ? [[0, chunkCount]] : [],
    complete: true,
    expiresAt: null,
    result: completionBody(file),
  }
}
