import { UploadError } from '../errors'
import type { FileInfo, Hasher, ResumeRecord } from '../types'

/**
 * Checks a file picked again against the record it should resume, before one byte is
 * sent: the name and size at once, then the sampled fingerprint, then the full MD5 when
 * the record has one. Resolves with the fingerprint to resume under and the full MD5 when
 * it was computed (the upload reuses it instead of hashing the file again), or rejects with
 * a `file-mismatch` error whose params name what differs.
 */
export async function checkAgainstRecord(
  file: Blob,
  info: FileInfo,
  record: ResumeRecord,
  hasher: Hasher | undefined,
  signal: AbortSignal,
): Promise<{ fingerprint: string; hash?: string }> {
  const mismatch = (reason: 'name' | 'size' | 'content') =>
    new UploadError('file-mismatch', `The chosen file is not the one this upload was for`, {
      retryable: false,
      params: {
        name: info.name,
        expected: record.file.name,
        size: info.size,
        expectedSize: record.file.size,
        reason,
      },
    })
  if (info.size !== record.file.size) throw mismatch('size')
  if (info.name !== record.file.name) throw mismatch('name')
  // Without a hasher the record's fingerprint was made without content either.
  const sample = hasher ? await hasher.sample(file, { signal }) : 'nosample'
  const fingerprint = `${info.size}:${sample}`
  if (fingerprint !== record.fingerprint) throw mismatch('content')
  if (record.hash && hasher) {
    const hash = await hasher.md5(file, { signal })
    if (hash !== record.hash) throw mismatch('content')
    return { fingerprint, hash }
  }
  return { fingerprint }
}
