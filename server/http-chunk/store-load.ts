import { readdir, rename, stat } from 'node:fs/promises'
import { isUploadId } from './ids'
import { asCompletedMeta, asUploadMeta, readJson, removeQuietly } from './meta'
import type { CompletedMeta, StorePaths, UploadMeta } from './meta'

/** Everything a store holds, as read back from disk. */
export interface LoadedStore {
  uploads: UploadMeta[]
  completed: CompletedMeta[]
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  )

/** Splits a directory entry into an id and a suffix; only names of our own shape count. */
function parseName(name: string): { id: string; suffix: string } | undefined {
  const dot = name.indexOf('.')
  const id = dot < 0 ? name : name.slice(0, dot)
  return isUploadId(id) ? { id, suffix: dot < 0 ? '' : name.slice(dot) } : undefined
}

/**
 * Reads the store back after a (re)start and repairs what an interrupted operation left:
 * a completion stopped between its steps is finished, torn tmp files and orphans of our
 * own naming are removed. Files whose names we never generate are left alone.
 */
export async function loadStore(paths: StorePaths): Promise<LoadedStore> {
  const completed = await loadCompleted(paths)
  const done = new Set(completed.map((file) => file.id))
  const uploads: UploadMeta[] = []
  for (const name of await readdir(paths.uploads)) {
    const entry = parseName(name)
    if (!entry) continue
    const { id, suffix } = entry
    if (suffix === '.json.tmp') await removeQuietly(paths.uploadMeta(id) + '.tmp')
    if (suffix !== '.json') continue
    const meta = done.has(id) ? undefined : asUploadMeta(await readJson(paths.uploadMeta(id)), id)
    if (meta && (await exists(paths.part(id)))) uploads.push(meta)
    else await removeQuietly(paths.uploadMeta(id), ...(done.has(id) ? [] : [paths.part(id)]))
  }
  const live = new Set(uploads.map((meta) => meta.id))
  for (const name of await readdir(paths.uploads)) {
    const entry = parseName(name)
    if (entry?.suffix === '.part' && !live.has(entry.id) && !done.has(entry.id))
      await removeQuietly(paths.part(entry.id))
  }
  return { uploads, completed }
}

async function loadCompleted(paths: StorePaths): Promise<CompletedMeta[]> {
  const names = await readdir(paths.files)
  const completed: CompletedMeta[] = []
  for (const name of names) {
    const entry = parseName(name)
    if (!entry || entry.suffix !== '.json') {
      if (entry?.suffix === '.json.tmp') await removeQuietly(paths.fileMeta(entry.id) + '.tmp')
      continue
    }
    const meta = asCompletedMeta(await readJson(paths.fileMeta(entry.id)), entry.id)
    if (meta && (await ensureData(paths, entry.id))) completed.push(meta)
    else await removeQuietly(paths.fileMeta(entry.id))
  }
  const known = new Set(completed.map((file) => file.id))
  for (const name of names) {
    const entry = parseName(name)
    if (entry?.suffix === '' && !known.has(entry.id)) await removeQuietly(paths.file(entry.id))
  }
  return completed
}

/** A completion writes the file meta, then moves the part: finish the move if it was cut. */
async function ensureData(paths: StorePaths, id: string): Promise<boolean> {
  if (await exists(paths.file(id))) return true
  if (!(await exists(paths.part(id)))) return false
  await rename(paths.part(id), paths.file(id))
  return true
}
