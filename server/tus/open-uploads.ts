/**
 * The tus endpoint's unfinished uploads, as the caps count them: read from the store once
 * (and again after a sweep), then kept current as uploads are created, finish or are
 * terminated, so a create does not read every record.
 */
import type { OpenUpload } from '../caps'
import type { TusFileStore } from './store'

/** Upload-Metadata keys set by the server only: the creator's identity and address digests. */
export const TUS_OWNER_KEY = 'vcu-owner'
export const TUS_ADDRESS_KEY = 'vcu-address'

export class TusOpenUploads {
  private loaded: Promise<Map<string, OpenUpload>> | null = null

  constructor(
    private readonly store: TusFileStore,
    /** Size counted for an upload whose length is deferred. */
    private readonly maxSize: number,
  ) {}

  /** The current map (read from disk when needed); add and remove on it synchronously. */
  current(): Promise<Map<string, OpenUpload>> {
    this.loaded ??= this.load()
    return this.loaded
  }

  /** Forgets the map: the next {@link current} reads the store again. */
  reload(): void {
    this.loaded = null
  }

  async remove(id: string): Promise<void> {
    ;(await this.current()).delete(id)
  }

  private async load(): Promise<Map<string, OpenUpload>> {
    const open = new Map<string, OpenUpload>()
    for (const id of await this.store.ids()) {
      const upload = await this.store.getUpload(id).catch(() => undefined)
      if (!upload || upload.offset === upload.size) continue
      open.set(id, {
        owner: upload.metadata?.[TUS_OWNER_KEY] ?? '',
        address: upload.metadata?.[TUS_ADDRESS_KEY] ?? undefined,
        size: upload.size ?? this.maxSize,
      })
    }
    return open
  }
}
