/**
 * Files from a drop, with folders walked recursively. DataTransfer items are only readable
 * during the drop event, so the entries are taken synchronously and walked afterwards.
 */
import { UploadError } from '../core/errors'

/** The part of a `FileSystemEntry` the walk uses (tests pass plain objects). */
export interface Entry {
  readonly name: string
  readonly isFile: boolean
  readonly isDirectory: boolean
  file?(success: (file: File) => void, failure: (error: unknown) => void): void
  createReader?(): {
    readEntries(success: (entries: Entry[]) => void, failure: (e: unknown) => void): void
  }
}

/** What {@link takeDroppedFiles} read from a drop. */
export interface DroppedFiles {
  /**
   * The files, each from a dropped folder with its `webkitRelativePath` set to its path
   * inside the drop (`folder/sub/name.txt`), which the uploader sends as `relativePath`.
   */
  readonly files: readonly File[]
  /** One `folder-unreadable` error per folder or file the browser failed to read. */
  readonly errors: readonly UploadError[]
}

/**
 * The files of a drop event, folders walked recursively, each file from a folder carrying
 * its relative path. Call it during the drop event (the browser clears the items after it);
 * the returned promise never rejects: what could not be read is in `errors`.
 */
export function takeDroppedFiles(event: DragEvent): Promise<DroppedFiles> {
  const transfer = event.dataTransfer
  const items = transfer?.items ? Array.from(transfer.items) : []
  const entries = items
    .filter((item) => item.kind === 'file')
    .map((item) => (item as { webkitGetAsEntry?: () => Entry | null }).webkitGetAsEntry?.() ?? null)
  const files = transfer?.files ? Array.from(transfer.files) : []
  // No entry API (or no folders): the plain file list is all there is.
  if (
    entries.length === 0 ||
    entries.some((e) => e === null) ||
    !entries.some((e) => e!.isDirectory)
  )
    return Promise.resolve({ files, errors: [] })
  return walkAll(entries as Entry[])
}

/** Walks dropped entries: top-level files keep no path, files in folders get theirs. */
export async function walkAll(entries: readonly Entry[]): Promise<DroppedFiles> {
  const files: File[] = []
  const errors: UploadError[] = []
  await Promise.all(entries.map((entry) => walk(entry, '', files, errors)))
  return { files, errors }
}

function unreadable(path: string, error: unknown): UploadError {
  const reason = error instanceof Error ? error.message : String(error)
  return new UploadError('folder-unreadable', `${path} could not be read: ${reason}`, {
    retryable: false,
    params: { name: path },
    cause: error,
  })
}

async function walk(entry: Entry, parent: string, files: File[], errors: UploadError[]) {
  const path = parent === '' ? entry.name : `${parent}/${entry.name}`
  if (entry.isFile && entry.file) {
    try {
      const file = await new Promise<File>((resolve, reject) => entry.file!(resolve, reject))
      // The browser leaves it empty for walked files: set it as a folder pick would.
      if (parent !== '') Object.defineProperty(file, 'webkitRelativePath', { value: path })
      files.push(file)
    } catch (error) {
      errors.push(unreadable(path, error))
    }
    return
  }
  if (!entry.isDirectory || !entry.createReader) return
  const children: Entry[] = []
  try {
    const reader = entry.createReader()
    // readEntries returns at most ~100 entries per call: read until it gives an empty batch.
    for (;;) {
      const batch = await new Promise<Entry[]>((resolve, reject) =>
        reader.readEntries(resolve, reject),
      )
      if (batch.length === 0) break
      children.push(...batch)
    }
  } catch (error) {
    // What was read before the failure is still walked.
    errors.push(unreadable(path, error))
  }
  await Promise.all(children.map((child) => walk(child, path, files, errors)))
}
