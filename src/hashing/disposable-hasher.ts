import type { Hasher } from '../core/types'

/** A {@link Hasher} that owns resources (a worker, timers) and releases them on `dispose()`. */
export interface DisposableHasher extends Hasher {
  /**
   * Releases everything the hasher holds and rejects the jobs still running with an
   * `aborted` error. A later call starts afresh.
   */
  dispose(): void
}
