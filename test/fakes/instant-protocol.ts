import type { UploadProtocol } from '../../src/core'

const notUsed = () => Promise.reject(new Error('not used: every file takes the small path'))

/**
 * A protocol whose only working request is the small file's: it answers after `wait` (at
 * once by default), so nothing but the engine's own bookkeeping takes time. For counting and
 * timing what the engine costs per file (many-uploads-cost.test.ts, bench/engine-scale.ts).
 */
export function instantSmallProtocol(wait: () => Promise<void> = async () => {}): UploadProtocol {
  return {
    name: 'instant',
    capabilities: {
      minPartSize: 1,
      maxPartSize: 2 ** 40,
      maxParts: 10_000,
      parallel: true,
      keepsPartialBodies: false,
    },
    create: notUsed,
    status: notUsed,
    uploadPart: notUsed,
    complete: notUsed,
    abort: () => Promise.resolve(),
    async uploadSmall(request) {
      await wait()
      return { size: request.file.size }
    },
  }
}

/** A transport no request reaches (the instant protocol sends none). */
export const noTransport = { request: notUsed } as never
