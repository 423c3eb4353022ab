import { copyFile, link, mkdir, open, rename, stat } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { DedupIndex } from './dedup-index'
import { md5OfFile } from './file-md5'
import { newUploadId } from './ids'
import { StorePaths, removeQuietly, syncData, syncDirectory, writeJsonAtomic } from './meta'
import type { ChunkRanges } from './chunk-set'
import type { CompletedMeta, UploadMeta } from './meta'
import { loadStore } from './store-load'
import { ANONYMOUS, type Caller } from '../owner'
import type { OpenUpload } from '../caps'
import { UploadState } from './upload-state'

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** Directory holding `uploads/` and `files/`; created when missing. */
  root: string
  /** Incomplete uploads expire this long after their last received chunk (default 24 h). */
  expiresInMs?: number
}

/** What a client declares when it creates an upload (already validated). */
export interface NewUpload {
  name: string
  size: number
  type: string
  lastModified: number | null
  chunkSize: number
  fingerprint: string | null
  /** What the client sent as `metadata`; absent when it sent none. */
  metadata?: Record<string, string>
}

/** Where an id stands. Lookups are in memory: the store is read from disk once, at start. */
export type Lookup =
  | { state: 'uploading'; upload: UploadState }
  | { state: 'expired'; upload: UploadState }
  | { state: 'complete'; file: CompletedMeta }
  | { state: 'missing' }

export type CompleteOutcome =
  | { kind: 'done'; file: CompletedMeta }
  | { kind: 'incomplete'; missing: ChunkRanges }
  | { kind: 'mismatch'; hash: string }

export const DEFAULT_EXPIRES_IN_MS = 24 * 60 * 60 * 1000

/** Who creates an upload: digests of its owner identity and of its address. */
export type Creator = Caller

const ANONYMOUS_CREATOR: Creator = { owner: ANONYMOUS, address: ANONYMOUS }

/** The owner digest of a stored upload or file; metas of older stores have none. */
export const ownerOf = (meta: { owner?: string }): string => meta.owner ?? ANONYMOUS

/**
 * The filesystem store of the HTTP chunk protocol. Layout under `root`:
 * `uploads/<id>.json` + `uploads/<id>.part` while receiving, `files/<id>` + `files/<id>.json`
 * once complete. One process owns a root at a time.
 */
export class FileStore {
  readonly paths: StorePaths
  readonly expiresInMs: number
  /** Resolves once the store has been read from disk; every operation waits for it. */
  readonly ready: Promise<void>
  private readonly uploads = new Map<string, UploadState>()
  private readonly completed = new Map<string, CompletedMeta>()
  private readonly index = new DedupIndex()
  /** Tail of each id's finishing tasks, so completes, instant claims and aborts never overlap. */
  private readonly finishing = new Map<string, Promise<void>>()
  /** MD5 of fully received parts: held chunks are never rewritten, so it cannot go stale. */
  private readonly partHashes = new Map<string, string>()
  /** Whole files whose body is arriving (the small-file route): they count toward the caps. */
  private readonly receiving = new Map<string, OpenUpload>()

  constructor(options: FileStoreOptions) {
    this.paths = new StorePaths(options.root)
    this.expiresInMs = options.expiresInMs ?? DEFAULT_EXPIRES_IN_MS
    this.ready = this.load()
    this.ready.catch(() => undefined) // surfaced by whoever awaits it
  }

  lookup(id: string, now = Date.now()): Lookup {
    const upload = this.uploads.get(id)
    if (upload) return { state: upload.isExpired(now) ? 'expired' : 'uploading', upload }
    const file = this.completed.get(id)
    return file ? { state: 'complete', file } : { state: 'missing' }
  }

  /**
   * A completed file of `owner` with these bytes, if the store holds one. Scoped to the
   * owner: instant upload must not tell one user whether another holds a file.
   */
  findStored(size: number, hash: string, owner = ANONYMOUS): CompletedMeta | undefined {
    for (const id of this.index.withHash(size, hash)) {
      const file = this.completed.get(id)
      if (file && ownerOf(file) === owner) return file
    }
    return undefined
  }

  hasDuplicateCandidate(size: number, fingerprint: string | null, owner = ANONYMOUS): boolean {
    if (fingerprint === null) return false
    return this.index
      .withFingerprint(size, fingerprint)
      .some((id) => ownerOf(this.completed.get(id) ?? {}) === owner)
  }

  /** Incomplete, unexpired uploads: what the open-upload caps count. */
  *openUploads(now = Date.now()): Iterable<OpenUpload> {
    for (const upload of this.uploads.values()) {
      if (upload.isExpired(now)) continue
      const { meta } = upload
      yield { owner: ownerOf(meta), address: meta.address, size: meta.size }
    }
    yield* this.receiving.values()
  }

  async create(
    input: NewUpload,
    creator: Creator = ANONYMOUS_CREATOR,
    now = Date.now(),
  ): Promise<UploadState> {
    const id = newUploadId()
    const meta: UploadMeta = {
      version: 1,
      id,
      ...input,
      owner: creator.owner,
      address: creator.address,
      chunkCount: Math.ceil(input.size / input.chunkSize),
      createdAt: now,
      expiresAt: now + this.expiresInMs,
      received: [],
    }
    // The part exists before the meta, so a meta on disk always has its part.
    await (await open(this.paths.part(id), 'wx')).close()
    const upload = new UploadState(
      meta,
      this.paths.uploadMeta(id),
      this.expiresInMs,
      this.paths.part(id),
    )
    // Not synced: an upload holding no chunk loses nothing acknowledged to a power cut (the
    // client's next request gets 404 and it starts over); the first chunk's meta write,
    // which the chunk's 204 waits for, syncs the directory and with it this file and the part.
    await writeJsonAtomic(this.paths.uploadMeta(id), meta, { durable: false })
    this.uploads.set(id, upload)
    return upload
  }

  /**
   * Stores a whole file received in one request (the small-file route) straight into
   * `files/<id>`, with no part, no upload meta and no move: `write` streams the body into the
   * new file and resolves with its MD5, computed on the way in. The file counts toward the
   * open-upload caps while it arrives. It is acknowledged only once durable, in two waits:
   * its data synced beside the meta's tmp file, then the meta renamed into place and `files/`
   * synced (a sync shared with concurrent requests). The meta never names bytes that are not
   * synced; a crash before its rename leaves a data file without meta, which the next start
   * removes. A mismatch with `clientHash` or any failure removes everything written.
   */
  async storeWhole(
    input: NewUpload,
    creator: Creator,
    write: (handle: FileHandle) => Promise<string>,
    clientHash: string | null,
    now = Date.now(),
  ): Promise<CompleteOutcome> {
    const id = newUploadId()
    const { owner, address } = creator
    this.receiving.set(id, { owner, address, size: input.size })
    const path = this.paths.file(id)
    let kept = false
    try {
      const handle = await open(path, 'wx')
      let file: CompletedMeta
      try {
        const hash = await write(handle)
        if (clientHash !== null && clientHash !== hash) return { kind: 'mismatch', hash }
        file = completedMeta({ id, createdAt: now, ...input, owner }, hash, false, Date.now())
        await writeJsonAtomic(this.paths.fileMeta(id), file, { after: handle.datasync() })
      } finally {
        await handle.close()
      }
      this.completed.set(id, file)
      this.index.add(file)
      kept = true
      return { kind: 'done', file }
    } finally {
      this.receiving.delete(id)
      if (!kept) {
        const meta = this.paths.fileMeta(id)
        await removeQuietly(path, meta, `${meta}.tmp`)
      }
    }
  }

  /** Opens the part file for positional writes; each request uses its own handle. */
  openPart(upload: UploadState): Promise<FileHandle> {
    return open(this.paths.part(upload.id), 'r+')
  }

  /**
   * Completes a new upload with the bytes of `source` (instant upload at create time):
   * a hard link, or a copy where links are impossible.
   */
  async createInstant(
    input: NewUpload,
    source: CompletedMeta,
    now = Date.now(),
  ): Promise<CompletedMeta | undefined> {
    const id = newUploadId()
    if (!(await this.linkStored(source, id))) return undefined
    const file = completedMeta(
      { id, createdAt: now, ...input, owner: ownerOf(source) },
      source.hash,
      true,
      now,
    )
    await this.publish(file)
    return file
  }

  /** Completes an existing upload with the bytes of a stored file with this hash, if any. */
  claimInstant(
    upload: UploadState,
    hash: string,
    now = Date.now(),
  ): Promise<CompletedMeta | undefined> {
    return this.exclusive(upload.id, async () => {
      if (upload.removed) return this.completed.get(upload.id)
      const source = this.findStored(upload.meta.size, hash, ownerOf(upload.meta))
      if (!source || !(await this.linkStored(source, upload.id))) return undefined
      await upload.retire()
      const file = completedMeta(upload.meta, hash, true, now)
      await this.publish(file)
      this.uploads.delete(upload.id)
      await removeQuietly(this.paths.uploadMeta(upload.id), this.paths.part(upload.id))
      return file
    })
  }

  /**
   * Verifies and moves a fully received upload into `files/`. Concurrent and repeated calls
   * run one after the other, and a repeat after success answers from the stored meta.
   */
  complete(upload: UploadState, clientHash: string | null): Promise<CompleteOutcome> {
    return this.exclusive(upload.id, () => this.runComplete(upload, clientHash))
  }

  /** Deletes an upload, or a completed file, and every byte it holds. Unknown ids are fine. */
  abort(id: string): Promise<void> {
    return this.exclusive(id, async () => {
      const upload = this.uploads.get(id)
      if (upload) {
        this.uploads.delete(id)
        this.partHashes.delete(id)
        await upload.retire()
        await removeQuietly(this.paths.uploadMeta(id), this.paths.part(id))
      }
      const file = this.completed.get(id)
      if (file) {
        this.completed.delete(id)
        this.index.remove(file)
        await removeQuietly(this.paths.fileMeta(id), this.paths.file(id))
      }
    })
  }

  /** Removes incomplete uploads past their expiry that no request is writing. Returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    await this.ready
    let removed = 0
    for (const [id, upload] of this.uploads) {
      if (!upload.isExpired(now) || upload.busy || this.finishing.has(id)) continue
      await this.abort(id)
      removed++
    }
    return removed
  }

  /** Writes every pending meta change; the store stays usable. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.uploads.values()].map((upload) => upload.persist()))
  }

  private async runComplete(
    upload: UploadState,
    clientHash: string | null,
  ): Promise<CompleteOutcome> {
    const done = this.completed.get(upload.id)
    if (done)
      return clientHash === null || clientHash === done.hash
        ? { kind: 'done', file: done }
        : { kind: 'mismatch', hash: done.hash }
    if (upload.removed) throw new Error(`upload ${upload.id} was removed before it completed`)
    if (!upload.received.full) return { kind: 'incomplete', missing: upload.received.missing() }
    const part = this.paths.part(upload.id)
    const { size } = await stat(part)
    if (size !== upload.meta.size)
      throw new Error(`part of ${upload.id} is ${size} bytes, expected ${upload.meta.size}`)
    const hash =
      this.partHashes.get(upload.id) ?? (await upload.prefix.digest()) ?? (await md5OfFile(part))
    this.partHashes.set(upload.id, hash)
    if (clientHash !== null && clientHash !== hash) return { kind: 'mismatch', hash }
    await upload.retire()
    const file = completedMeta(upload.meta, hash, false, Date.now())
    // The bytes are durable before anything says the file is complete. They already are when
    // the meta write that acknowledged the last chunk synced them and the part's directory.
    const synced = upload.partDurable
      ? undefined
      : syncData(part).then(() => syncDirectory(this.paths.uploads))
    // Meta first, durably, then the move: a restart finds the meta and finishes a move that
    // did not reach the disk (store-load's ensureData), so the move needs no sync of its own.
    await writeJsonAtomic(this.paths.fileMeta(upload.id), file, { after: synced })
    await rename(part, this.paths.file(upload.id))
    this.completed.set(file.id, file)
    this.index.add(file)
    this.uploads.delete(upload.id)
    this.partHashes.delete(upload.id)
    await removeQuietly(this.paths.uploadMeta(upload.id))
    return { kind: 'done', file }
  }

  /** Runs `task` after every earlier finishing task (complete, instant, abort) of the same id. */
  private exclusive<T>(id: string, task: () => Promise<T>): Promise<T> {
    const result = (this.finishing.get(id) ?? Promise.resolve()).then(task)
    const settled = result.then(
      () => undefined,
      () => undefined,
    )
    this.finishing.set(id, settled)
    void settled.then(() => {
      if (this.finishing.get(id) === settled) this.finishing.delete(id)
    })
    return result
  }

  private async linkStored(source: CompletedMeta, id: string): Promise<boolean> {
    const from = this.paths.file(source.id)
    const to = this.paths.file(id)
    try {
      await link(from, to)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return false
      // Links can be impossible (another device, a filesystem without them): copy instead.
      await copyFile(from, to).catch(() => undefined)
      if (
        !(await stat(to).then(
          () => true,
          () => false,
        ))
      )
        return false
    }
    return true
  }

  private async publish(file: CompletedMeta): Promise<void> {
    await writeJsonAtomic(this.paths.fileMeta(file.id), file)
    this.completed.set(file.id, file)
    this.index.add(file)
  }

  private async load(): Promise<void> {
    await mkdir(this.paths.uploads, { recursive: true })
    await mkdir(this.paths.files, { recursive: true })
    const { uploads, completed } = await loadStore(this.paths)
    for (const meta of uploads)
      this.uploads.set(
        meta.id,
        new UploadState(
          meta,
          this.paths.uploadMeta(meta.id),
          this.expiresInMs,
          this.paths.part(meta.id),
        ),
      )
    for (const file of completed) {
      this.completed.set(file.id, file)
      this.index.add(file)
    }
  }
}

function completedMeta(
  upload: Pick<
    UploadMeta,
    | 'id'
    | 'name'
    | 'size'
    | 'type'
    | 'chunkSize'
    | 'fingerprint'
    | 'createdAt'
    | 'owner'
    | 'metadata'
  >,
  hash: string,
  instant: boolean,
  now: number,
): CompletedMeta {
  const { id, name, size, type, chunkSize, fingerprint, createdAt } = upload
  return {
    owner: ownerOf(upload),
    version: 1,
    id,
    name,
    size,
    type,
    chunkSize,
    fingerprint,
    hash,
    instant,
    createdAt,
    completedAt: now,
    ...(upload.metadata === undefined ? {} : { metadata: upload.metadata }),
  }
}
