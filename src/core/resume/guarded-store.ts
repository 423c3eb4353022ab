import { UploadError } from '../errors'
import type { Clock, ResumeRecord, ResumeStore } from '../types'

/**
 * Wraps the app's resume store so that a broken one never stops an upload: every call is
 * bounded in time (IndexedDB can hang on a blocked open), the first failure is reported
 * once as a warning, and from then on records live in memory only, so uploads go on and
 * still resume within this page. What the store already holds is never deleted by a failure;
 * deletes are still attempted on it, so finished uploads do not linger there.
 */
export function guardStore(
  store: ResumeStore,
  options: { clock: Clock; timeoutMs: number; warn: (error: UploadError) => void },
): ResumeStore {
  const memory = new Map<string, ResumeRecord>()
  let failed = false

  function fail(error: unknown): void {
    if (failed) return
    failed = true
    options.warn(storageError(error))
  }

  function bounded<T>(op: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = options.clock.setTimeout(
        () =>
          reject(
            new UploadError('storage-unavailable', 'The resume store did not answer', {
              retryable: false,
            }),
          ),
        options.timeoutMs,
      )
      // A store that throws synchronously is as broken as one that rejects.
      Promise.resolve().then(op).then(resolve, reject).finally(cancel)
    })
  }

  return {
    async get(key) {
      if (!failed) {
        try {
          return await bounded(() => store.get(key))
        } catch (error) {
          fail(error)
        }
      }
      return memory.get(key)
    },
    async set(key, record) {
      memory.set(key, record)
      if (failed) return
      try {
        await bounded(() => store.set(key, record))
      } catch (error) {
        fail(error)
      }
    },
    async delete(key) {
      memory.delete(key)
      await bounded(() => store.delete(key)).catch((error: unknown) => fail(error))
    },
    async list() {
      if (!failed) {
        try {
          return await bounded(() => store.list())
        } catch (error) {
          fail(error)
        }
      }
      return [...memory.values()]
    },
  }
}

/** A storage failure as the typed warning the app gets: full, or otherwise unavailable. */
export function storageError(error: unknown): UploadError {
  if (error instanceof UploadError) return error
  const name = (error as { name?: unknown } | null)?.name
  if (name === 'QuotaExceededError')
    return new UploadError('storage-full', 'The browser storage is full', {
      retryable: false,
      cause: error,
    })
  return new UploadError('storage-unavailable', 'Resume data could not be stored', {
    retryable: false,
    cause: error,
  })
}
