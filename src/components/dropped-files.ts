/**
 * Files from a drop, with folders walked recursively. DataTransfer items are only readable
 * during the drop event, so the entries are taken synchronously and walked afterwards.
 */

interface Entry {
  readonly isFile: boolean
  readonly isDirectory: boolean
  file?(success: (file: File) => void, failure: (error: unknown) => void): void
  createReader?(): {
    readEntries(success: (entries: Entry[]) => void, failure: (e: unknown) => void): void
  }
}

export function takeDropped(event: DragEvent): () => Promise<File[]> {
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
    return () => Promise.resolve(files)
  return async () => (await Promise.all(entries.map((e) => walk(e!)))).flat()
}

async function walk(entry: Entry): Promise<File[]> {
  if (entry.isFile && entry.file) {
    return [await new Promise<File>((resolve, reject) => entry.file!(resolve, reject))]
  }
  if (!entry.isDirectory || !entry.createReader) return []
  const reader = entry.createReader()
  const children: Entry[] = []
  // readEntries returns at most ~100 entries per call: read until it gives an empty batch.
  for (;;) {
    const batch = await new Promise<Entry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    )
    if (batch.length === 0) break
    children.push(...batch)
  }
  return (await Promise.all(children.map(walk))).flat()
}
