/**
 * Sizes and Files for tests. `KiB`/`MiB`/`GiB` are the part planner's own (one definition); `fileOf`
 * makes a File of deterministic bytes, so two calls with the same arguments are the same
 * file to the engine's fingerprint and hash, and another `seed` gives other bytes.
 */
export { GiB, KiB, MiB } from '../../src/core/run/part-plan'

/** The `lastModified` every test File has unless it says otherwise. */
export const LAST_MODIFIED = 1_700_000_000_000

/** `type` defaults to `application/octet-stream`, `lastModified` to LAST_MODIFIED. */
export interface FileInit extends FilePropertyBag {
  /** Varies the bytes (default: the size). */
  seed?: number
}

/** A File of `size` bytes `(i * 31 + seed) % 251`, named `name`. */
export function fileOf(size: number, name = 'data.bin', init: FileInit = {}): File {
  const { seed = size, ...bag } = init
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) % 251
  return new File([bytes], name, {
    type: 'application/octet-stream',
    lastModified: LAST_MODIFIED,
    ...bag,
  })
}

/** Deterministic bytes that do not repeat with any short period (xorshift32 from `seed`). */
export function noisyBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}
