/**
 * @tus/file-store with the checks the reference server needs: only ids of our own format
 * reach the filesystem, removing an upload that does not exist touches nothing, the expiry
 * sweep judges "finished" by the data file's real size (the stored `.json` keeps the
 * offset of its creation forever), and finished data is synced to disk.
 */
import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { FileStore } from '@tus/file-store'
import { ERRORS, type Upload } from '@tus/server'

/** Upload ids of the tus endpoint: 128 random bits in 32 lower-case hex digits. */
export const newTusId = (): string => randomBytes(16).toString('hex')
export const isTusId = (id: string): boolean => /^[0-9a-f]{32}$/.test(id)

/** The tus file store of the reference server. */
export class TusFileStore extends FileStore {
  override async getUpload(id: string): Promise<Upload> {
    if (!isTusId(id)) throw ERRORS.FILE_NOT_FOUND
    const upload = await super.getUpload(id)
    // A finished upload never expires; without its creation date @tus/server's HEAD and
    // PATCH stop answering it 410 once the unfinished-upload expiry has passed.
    if (upload.offset === upload.size) upload.creation_date = undefined
    return upload
  }

  /** Refuses what does not exist: a bare unlink would delete `<id>` beside someone's `<id>.json`. */
  override async remove(id: string): Promise<void> {
    await this.getUpload(id).catch(() => {
      throw ERRORS.FILE_NOT_FOUND
    })
    await super.remove(id)
  }

  /** Removes expired unfinished uploads only; resolves to how many. */
  override async deleteExpired(): Promise<number> {
    const expiry = this.getExpiration()
    if (expiry <= 0) return 0
    const now = Date.now()
    let removed = 0
    for (const id of await this.ids()) {
      const upload = await this.getUpload(id).catch(() => undefined)
      if (!upload?.creation_date) continue // finished (see getUpload), or undated
      if (now <= new Date(upload.creation_date).getTime() + expiry) continue
      await this.remove(id).then(
        () => removed++,
        () => undefined,
      )
    }
    return removed
  }

  /** Ids of every stored upload (their `.json` records). */
  async ids(): Promise<string[]> {
    return ((await this.configstore.list?.()) ?? []).filter(isTusId)
  }

  /** Makes a finished upload's bytes durable before it is reported complete. */
  async syncData(id: string): Promise<void> {
    if (!isTusId(id)) throw ERRORS.FILE_NOT_FOUND
    const handle = await open(join(this.directory, id), 'r+')
    try {
      await handle.datasync()
    } finally {
      await handle.close()
    }
  }
}
