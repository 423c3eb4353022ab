import { UploadError } from '../errors'
import { metadataProblem } from '../metadata'
import type { FileInfo } from '../types'
import type { UploaderOptions } from './uploader-api'

/**
 * Checks of what an app hands the uploader: option values (a developer mistake, thrown at
 * once rather than failing every upload later) and the items passed to `add()`.
 */

function invalidOption(option: string, value: unknown, expected: string): UploadError {
  return new UploadError(
    'invalid-option',
    `Option ${option} must be ${expected}, got ${String(value)}`,
    {
      retryable: false,
      params: { option, value: String(value) },
    },
  )
}

const NUMERIC_OPTIONS: readonly [keyof UploaderOptions, string, (n: number) => boolean][] = [
  ['chunkSize', 'a whole number of bytes ≥ 1', (n) => Number.isSafeInteger(n) && n >= 1],
  ['smallFileThreshold', 'a whole number of bytes ≥ 0', (n) => Number.isSafeInteger(n) && n >= 0],
  ['concurrency', 'a whole number ≥ 1', (n) => Number.isSafeInteger(n) && n >= 1],
  ['stallTimeoutMs', 'a number of milliseconds > 0', (n) => n > 0],
  ['requestTimeoutMs', 'a number of milliseconds > 0', (n) => n > 0],
  ['resumeExpiryMs', 'a number of milliseconds > 0', (n) => n > 0],
  ['progressIntervalMs', 'a number of milliseconds ≥ 0', (n) => n >= 0],
]

/** Throws an `invalid-option` UploadError for the first option with an unusable value. */
export function assertValidOptions(options: UploaderOptions): void {
  for (const [name, expected, ok] of NUMERIC_OPTIONS) {
    const value = options[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || Number.isNaN(value) || !ok(value))
      throw invalidOption(name, value, expected)
  }
  if (options.metadata !== undefined && typeof options.metadata !== 'function') {
    const problem = metadataProblem(options.metadata)
    if (problem) throw invalidOption('metadata', options.metadata, `string pairs (${problem})`)
  }
  if (!options.protocol || typeof options.protocol.create !== 'function')
    throw invalidOption('protocol', options.protocol, 'an upload protocol')
  if (!options.transport || typeof options.transport.request !== 'function')
    throw invalidOption('transport', options.transport, 'a transport')
  if (options.refreshAuth !== undefined && typeof options.refreshAuth !== 'function')
    throw invalidOption('refreshAuth', options.refreshAuth, 'a function')
}

/** True for a Blob or File, also one from another realm (an iframe's `File`). */
export function isBlobLike(value: unknown): value is Blob {
  if (typeof Blob !== 'undefined' && value instanceof Blob) return true
  const candidate = value as Partial<Blob> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.size === 'number' &&
    Number.isSafeInteger(candidate.size) &&
    candidate.size >= 0 &&
    typeof candidate.slice === 'function'
  )
}

/** Whatever `add()` was given, as a list; a single non-iterable value is one item. */
export function asItems(files: unknown): unknown[] {
  if (isBlobLike(files) || files === null || files === undefined) return [files]
  if (typeof files === 'string') return [files]
  if (typeof (files as Iterable<unknown>)[Symbol.iterator] === 'function')
    return Array.from(files as Iterable<unknown>)
  if (typeof (files as ArrayLike<unknown>).length === 'number')
    return Array.from(files as ArrayLike<unknown>)
  return [files]
}

/** The rejection of an item that is not a file. */
export function notAFile(value: unknown): { file: FileInfo; error: UploadError } {
  const name =
    typeof (value as { name?: unknown } | null)?.name === 'string'
      ? (value as { name: string }).name
      : typeof value
  return {
    file: { name, size: 0, type: '', lastModified: 0 },
    error: new UploadError('invalid-file', `add() was given ${typeof value}, not a File or Blob`, {
      retryable: false,
      params: { name },
    }),
  }
}

/**
 * The files already in the list, indexed by what makes two added files the same file:
 * identity, or name, folder path, size and date (a known one: 0 matches by identity only;
 * same-name files from different subfolders are different files). Each check takes constant
 * time, not a pass over the list. A file indexed twice stays until deleted twice.
 */
export interface DuplicateIndex {
  /** True when `file` is the same file as one indexed. */
  has(file: Blob, info: FileInfo): boolean
  /** Indexes a file. */
  add(file: Blob, info: FileInfo): void
  /** Undoes one `add` of the same file. */
  delete(file: Blob, info: FileInfo): void
}

/** A {@link DuplicateIndex} of the given files. */
export function createDuplicateIndex(
  files: Iterable<{ readonly file: Blob; readonly info: FileInfo }> = [],
): DuplicateIndex {
  const blobs = new Map<Blob, number>()
  const described = new Map<string, number>()
  // An unknown date (0) matches only by identity, as in `sameFile`.
  const keyOf = (info: FileInfo) =>
    info.lastModified === 0
      ? undefined
      : JSON.stringify([info.name, info.size, info.lastModified, info.relativePath ?? ''])
  const bump = <K>(map: Map<K, number>, key: K, by: 1 | -1) => {
    const count = (map.get(key) ?? 0) + by
    if (count > 0) map.set(key, count)
    else map.delete(key)
  }
  const index: DuplicateIndex = {
    has(file, info) {
      if (blobs.has(file)) return true
      const key = keyOf(info)
      return key !== undefined && described.has(key)
    },
    add(file, info) {
      bump(blobs, file, 1)
      const key = keyOf(info)
      if (key !== undefined) bump(described, key, 1)
    },
    delete(file, info) {
      bump(blobs, file, -1)
      const key = keyOf(info)
      if (key !== undefined) bump(described, key, -1)
    },
  }
  for (const { file, info } of files) index.add(file, info)
  return index
}

export function duplicateError(info: FileInfo): UploadError {
  return new UploadError('duplicate-file', `${info.name} is already in the list`, {
    retryable: false,
    params: { name: info.name },
  })
}
