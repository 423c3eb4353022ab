import type { CompletedMeta } from './meta'

/**
 * In-memory lookups over completed files: by size + MD5 (instant upload) and by size +
 * sampled fingerprint (duplicate candidates). Rebuilt from `files/*.json` at start.
 * Several uploads may hold the same bytes, so each key maps to a set of ids: removing one
 * of them leaves the others findable.
 */
export class DedupIndex {
  private readonly byHash = new Map<string, Set<string>>()
  private readonly byFingerprint = new Map<string, Set<string>>()

  add(file: CompletedMeta): void {
    addTo(this.byHash, `${file.size}:${file.hash}`, file.id)
    if (file.fingerprint) addTo(this.byFingerprint, `${file.size}:${file.fingerprint}`, file.id)
  }

  remove(file: CompletedMeta): void {
    removeFrom(this.byHash, `${file.size}:${file.hash}`, file.id)
    if (file.fingerprint)
      removeFrom(this.byFingerprint, `${file.size}:${file.fingerprint}`, file.id)
  }

  /** Ids of completed files with these bytes, oldest first. */
  withHash(size: number, hash: string): string[] {
    return [...(this.byHash.get(`${size}:${hash}`) ?? [])]
  }

  /** Ids of completed files with this size and sampled fingerprint. */
  withFingerprint(size: number, fingerprint: string): string[] {
    return [...(this.byFingerprint.get(`${size}:${fingerprint}`) ?? [])]
  }
}

function addTo(map: Map<string, Set<string>>, key: string, id: string): void {
  const ids = map.get(key) ?? new Set<string>()
  ids.add(id)
  map.set(key, ids)
}

function removeFrom(map: Map<string, Set<string>>, key: string, id: string): void {
  const ids = map.get(key)
  if (!ids) return
  ids.delete(id)
  if (ids.size === 0) map.delete(key)
}
