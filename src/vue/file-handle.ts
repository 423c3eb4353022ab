/**
 * File System Access handles: kept in resume records (they survive structured cloning into
 * IndexedDB) so that a later visit can read the same file again without a dialog, after
 * asking for permission. Everything is feature-detected; nothing here runs at import.
 */
import { UploadError, type FileInfo } from '../core'

/** The part of `FileSystemFileHandle` used here. */
export interface FileHandleLike {
  readonly kind: 'file'
  readonly name: string
  getFile(): Promise<File>
  queryPermission?(descriptor: { mode: 'read' }): Promise<PermissionState>
  requestPermission?(descriptor: { mode: 'read' }): Promise<PermissionState>
}

/** True for a File System Access file handle (or anything shaped like one). */
export function isFileHandle(value: unknown): value is FileHandleLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'file' &&
    typeof (value as { getFile?: unknown }).getFile === 'function'
  )
}

/**
 * Reads the file behind a kept handle, asking for read permission again if needed
 * (`requestPermission` needs a user gesture: call this from a click). Rejects with
 * `permission-denied`, `file-unreadable` (moved or deleted) or `file-changed` (not the
 * size or date the record has), so the app can fall back to "Reselect file".
 */
export async function readHandle(handle: unknown, expected: FileInfo): Promise<File> {
  if (!isFileHandle(handle)) {
    throw new UploadError('unsupported', 'No file handle was kept for this upload', {
      retryable: false,
    })
  }
  let state: PermissionState = (await handle.queryPermission?.({ mode: 'read' })) ?? 'granted'
  if (state === 'prompt' && handle.requestPermission) {
    state = await handle.requestPermission({ mode: 'read' }).catch(() => 'denied' as const)
  }
  if (state !== 'granted') {
    throw new UploadError('permission-denied', 'Permission to read the file was not given', {
      retryable: false,
      params: { name: expected.name },
    })
  }
  let file: File
  try {
    file = await handle.getFile()
  } catch (error) {
    // Chromium answers NotAllowedError when read permission was not really granted.
    const denied = (error as { name?: string }).name === 'NotAllowedError'
    throw new UploadError(
      denied ? 'permission-denied' : 'file-unreadable',
      'The file behind the handle cannot be read',
      {
        retryable: false,
        cause: error,
        params: { name: expected.name },
      },
    )
  }
  if (file.size !== expected.size || file.lastModified !== expected.lastModified) {
    throw new UploadError('file-changed', 'The file changed since the upload was saved', {
      retryable: false,
      params: { name: expected.name },
    })
  }
  return file
}

/**
 * Starts reading handles from a drop. Must run during the drop event: DataTransfer items
 * are readable only then. Resolves to a map from each dropped file's name to its handle
 * (top-level files only; folders are walked without handles).
 */
export function takeDroppedHandles(event: DragEvent): Promise<Map<string, FileHandleLike>> {
  const items = event.dataTransfer?.items ? Array.from(event.dataTransfer.items) : []
  const reads = items
    .filter((item) => item.kind === 'file')
    .map((item) => {
      const get = (item as { getAsFileSystemHandle?: () => Promise<unknown> }).getAsFileSystemHandle
      return typeof get === 'function'
        ? get.call(item).catch(() => undefined)
        : Promise.resolve(undefined)
    })
  return Promise.all(reads).then((handles) => {
    const map = new Map<string, FileHandleLike>()
    for (const handle of handles) if (isFileHandle(handle)) map.set(handle.name, handle)
    return map
  })
}

interface OpenFilePickerWindow {
  showOpenFilePicker?(options: { multiple?: boolean }): Promise<FileHandleLike[]>
}

/** Whether this browser has `showOpenFilePicker` (Chromium on desktop, secure contexts). */
export function hasFilePicker(): boolean {
  return (
    typeof window !== 'undefined' &&
    typeof (window as unknown as OpenFilePickerWindow).showOpenFilePicker === 'function'
  )
}

/**
 * Lets the user pick files through `showOpenFilePicker`, keeping their handles. Resolves
 * `undefined` when the picker is missing and `[]` when the user closed it.
 */
export async function pickFiles(
  multiple: boolean,
): Promise<{ file: File; handle: FileHandleLike }[] | undefined> {
  if (!hasFilePicker()) return undefined
  let handles: FileHandleLike[]
  try {
    handles = await (window as unknown as Required<OpenFilePickerWindow>).showOpenFilePicker({
      multiple,
    })
  } catch (error) {
    const { name, message } = error as { name?: string; message?: string }
    // Automation (Playwright, Puppeteer) intercepts file dialogs, which rejects the picker
    // at once: the <input> fallback is the dialog it can drive.
    if (name === 'AbortError' && !/intercept/i.test(message ?? '')) return []
    return undefined
  }
  return Promise.all(handles.map(async (handle) => ({ file: await handle.getFile(), handle })))
}
