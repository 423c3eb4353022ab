import { open, readFile, rename, rm } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ChunkRanges } from './chunk-set'
import { isStoredMetadata } from '../metadata'

/** What the store keeps on disk for an upload still receiving chunks: `uploads/<id>.json`. */
export interface UploadMeta {
  version: 1
  id: string
  name: string
  size: number
  type: string
  lastModified: number | null
  chunkSize: number
  chunkCount: number
  fingerprint: string | null
  /** What the client sent as `metadata` (string pairs); absent when it sent none. */
  metadata?: Record<string, string>
  createdAt: number
  /** Digest of the identity that created it (server/owner.ts); absent in old stores = anonymous. */
  owner?: string
  /** Digest of the client it counted against before addresses were recorded (old stores). */
  client?: string
  /** Digest of the creator's address, for the per-address caps. */
  address?: string
  /** Pushed forward whenever a chunk lands, so a slow but live upload never expires. */
  expiresAt: number
  received: ChunkRanges
}

/** What the store keeps beside a completed file: `files/<id>.json`. */
export interface CompletedMeta {
  version: 1
  id: string
  name: string
  size: number
  type: string
  chunkSize: number
  fingerprint: string | null
  /** MD5 of the stored bytes, 32 lower-case hex, computed by the server. */
  hash: string
  /** The upload's metadata, kept from its create. */
  metadata?: Record<string, string>
  instant: boolean
  createdAt: number
  completedAt: number
  /** Digest of the identity that created it; absent in old stores = anonymous. */
  owner?: string
}

/** Paths of the store, built only from ids that passed `isUploadId`. */
export class StorePaths {
  readonly uploads: string
  readonly files: string

  constructor(readonly root: string) {
    this.uploads = join(root, 'uploads')
    this.files = join(root, 'files')
  }

  uploadMeta = (id: string): string => join(this.uploads, `${id}.json`)
  part = (id: string): string => join(this.uploads, `${id}.part`)
  fileMeta = (id: string): string => join(this.files, `${id}.json`)
  file = (id: string): string => join(this.files, id)
}

/**
 * Replaces `path` with `value` as JSON so a reader (or a restart after a crash, or a power
 * cut) sees the old or the new content, never a torn or empty file: the bytes are fsynced
 * before the rename, and the directory after it. Callers serialize writes per path, so one
 * tmp name per path is enough.
 *
 * With `durable: false` nothing is synced (two fsyncs fewer): the running server reads the
 * new content, but after a power cut the file may be the old one, empty or missing. Only for
 * files whose loss costs nothing acknowledged: a torn meta reads as absent (`readJson`).
 *
 * `after` must succeed before the new content is put in place (the rename): what the
 * content claims, such as chunk bytes being synced. It runs alongside the tmp file's own
 * write and sync, so the two syncs cost about one wait instead of two.
 */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  { durable = true, after }: { durable?: boolean; after?: Promise<void> } = {},
): Promise<void> {
  const text = JSON.stringify(value) // before any await: later changes belong to the next write
  after?.catch(() => undefined) // awaited below; observed now in case the tmp write fails first
  const tmp = `${path}.tmp`
  const handle = await open(tmp, 'w')
  try {
    await handle.writeFile(text)
    if (durable) await handle.sync()
  } finally {
    await handle.close()
  }
  await after
  await rename(tmp, path)
  if (durable) await syncDirectory(dirname(path))
}

/** Makes the bytes written to `path` durable (fdatasync: the data, not the timestamps). */
export async function syncData(path: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    await handle.datasync()
  } finally {
    await handle.close()
  }
}

/** A directory sync in flight, and the one queued behind it for callers that came later. */
interface DirectorySync {
  running: Promise<void>
  queued: Promise<void> | null
}

const directorySyncs = new Map<string, DirectorySync>()

/**
 * Makes the renames and creations already done in `dir` durable; platforms that cannot open
 * directories skip it. Group commit: concurrent callers share one fsync. A sync already in
 * flight may have started before the caller's rename, so a caller that arrives while one runs
 * waits for the next, which starts when the running one ends and serves everyone who came
 * meanwhile: under load, N requests finishing together cost two directory syncs, not N.
 */
export function syncDirectory(dir: string): Promise<void> {
  const current = directorySyncs.get(dir)
  if (!current) return startDirectorySync(dir)
  current.queued ??= current.running.then(() => startDirectorySync(dir))
  return current.queued
}

function startDirectorySync(dir: string): Promise<void> {
  const entry: DirectorySync = { running: Promise.resolve(), queued: null }
  entry.running = fsyncDirectory(dir).finally(() => {
    if (directorySyncs.get(dir) === entry) directorySyncs.delete(dir)
  })
  directorySyncs.set(dir, entry)
  return entry.running
}

async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Windows cannot fsync a directory; its renames are durable with the file's flush.
  } finally {
    await handle?.close().catch(() => undefined)
  }
}

/** Reads a JSON file, or undefined when it is missing or not JSON (a torn or foreign file). */
export async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown
  } catch {
    return undefined
  }
}

export async function removeQuietly(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((path) => rm(path, { force: true })))
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isText = (v: unknown): v is string => typeof v === 'string'
const isNullableText = (v: unknown): v is string | null => v === null || typeof v === 'string'
const isDigest = (v: unknown): boolean => v === undefined || (isText(v) && /^[0-9a-f]{32}$/.test(v))

/** The fields every meta shares: the file as the client declared it and the chunking. */
function hasFileFields(value: Record<string, unknown>): boolean {
  return (
    isText(value.name) &&
    isCount(value.size) &&
    isText(value.type) &&
    isCount(value.chunkSize) &&
    isNullableText(value.fingerprint) &&
    isCount(value.createdAt) &&
    isDigest(value.owner) &&
    (value.metadata === undefined || isStoredMetadata(value.metadata))
  )
}

/** Validates an upload meta read from disk; anything unexpected is treated as absent. */
export function asUploadMeta(value: unknown, id: string): UploadMeta | undefined {
  if (!isObject(value) || value.version !== 1 || value.id !== id) return undefined
  const ok =
    hasFileFields(value) &&
    isCount(value.chunkCount) &&
    isCount(value.expiresAt) &&
    Array.isArray(value.received) &&
    isDigest(value.client) &&
    isDigest(value.address) &&
    (value.lastModified === null || typeof value.lastModified === 'number')
  if (
    !ok ||
    value.chunkSize === 0 ||
    value.chunkCount !== Math.ceil((value.size as number) / (value.chunkSize as number))
  ) {
    return undefined
  }
  return value as unknown as UploadMeta
}

/** Validates a completed-file meta read from disk; anything unexpected is treated as absent. */
export function asCompletedMeta(value: unknown, id: string): CompletedMeta | undefined {
  if (!isObject(value) || value.version !== 1 || value.id !== id) return undefined
  const ok =
    hasFileFields(value) &&
    isText(value.hash) &&
    /^[0-9a-f]{32}$/.test(value.hash) &&
    typeof value.instant === 'boolean' &&
    isCount(value.completedAt)
  return ok ? (value as unknown as CompletedMeta) : undefined
}
