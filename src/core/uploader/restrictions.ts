import { UploadError } from '../errors'
import type { FileInfo } from '../types'

/** What files an uploader accepts; checked in the engine, not only in a component. */
export interface Restrictions {
  /**
   * Accepted types, as in `<input accept>`: extensions (`.mp4`), MIME types (`video/mp4`)
   * or wildcards (`video/*`). Empty or undefined accepts everything.
   */
  readonly accept?: string | readonly string[]
  /** Largest file in bytes. @default Infinity */
  readonly maxFileSize?: number
  /** Smallest file in bytes; set 1 to refuse empty files. @default 0 */
  readonly minFileSize?: number
  /** Most files in the uploader at once (finished ones are not counted). @default Infinity */
  readonly maxFiles?: number
}

export function normalizeAccept(accept: Restrictions['accept']): string[] {
  const list = typeof accept === 'string' ? accept.split(',') : (accept ?? [])
  return list.map((item) => item.trim().toLowerCase()).filter((item) => item !== '')
}

export function matchesAccept(
  file: Pick<FileInfo, 'name' | 'type'>,
  accept: readonly string[],
): boolean {
  if (accept.length === 0) return true
  const name = file.name.toLowerCase()
  const type = file.type.toLowerCase()
  return accept.some((rule) => {
    if (rule === '*/*' || rule === '*') return true
    if (rule.startsWith('.')) return name.endsWith(rule)
    if (rule.endsWith('/*')) return type.startsWith(rule.slice(0, -1))
    return type === rule
  })
}

/** Returns the error for the first restriction `file` breaks, or undefined. */
export function checkFile(
  file: FileInfo,
  restrictions: Restrictions,
  filesAlready: number,
): UploadError | undefined {
  const { maxFileSize = Infinity, minFileSize = 0, maxFiles = Infinity } = restrictions
  if (filesAlready >= maxFiles) {
    return new UploadError('too-many-files', `At most ${maxFiles} files may be added`, {
      retryable: false,
      params: { name: file.name, maxFiles },
    })
  }
  const accept = normalizeAccept(restrictions.accept)
  if (!matchesAccept(file, accept)) {
    return new UploadError('file-type-rejected', `${file.name} is not an accepted type`, {
      retryable: false,
      params: { name: file.name, accept: accept.join(', ') },
    })
  }
  if (file.size > maxFileSize) {
    return new UploadError('file-too-large', `${file.name} is larger than ${maxFileSize} bytes`, {
      retryable: false,
      params: { name: file.name, size: file.size, maxFileSize },
    })
  }
  if (file.size < minFileSize) {
    return new UploadError('file-too-small', `${file.name} is smaller than ${minFileSize} bytes`, {
      retryable: false,
      params: { name: file.name, size: file.size, minFileSize },
    })
  }
  return undefined
}
