import { openAsBlob } from 'node:fs'
import {
  createUploader,
  type Transport,
  type Uploader,
  type UploaderOptions,
  type UploadProtocol,
  type UploadSnapshot,
} from '../../src/core'
import { createInlineHasher } from '../../src/hashing'
import { createAxiosTransport } from '../../src/transport'

/**
 * Helpers for engine tests against real servers: the real axios transport with a log of
 * `METHOD /path` per request (S3 part URLs get `#partNumber`), a disk-backed File, and the
 * promise of an upload's end.
 */
export function recordingTransport(): Transport & { log: string[]; statuses: number[] } {
  const inner = createAxiosTransport()
  const log: string[] = []
  // statuses[i] is the answer to log[i] (0 until it comes, or if the request failed).
  const statuses: number[] = []
  return {
    log,
    statuses,
    request: async (request) => {
      const url = new URL(request.url)
      const part = url.searchParams.get('partNumber')
      const at = log.push(`${request.method} ${url.pathname}${part === null ? '' : `#${part}`}`) - 1
      statuses[at] = 0
      const response = await inner.request(request)
      statuses[at] = response.status
      return response
    },
  }
}

/** A File whose bytes stay on disk (Node's `openAsBlob`), as a browser's picked file does. */
export async function diskFile(path: string, name: string): Promise<File> {
  return new File([await openAsBlob(path)], name, { lastModified: 1_763_700_000_000 })
}

/** Resolves with the upload's snapshot once it is done, failed or canceled. */
export function finished(uploader: Uploader): Promise<UploadSnapshot> {
  return new Promise((resolve) => {
    uploader.on('upload-success', ({ upload }) => resolve(upload))
    uploader.on('upload-error', ({ upload }) => resolve(upload))
    uploader.on('upload-canceled', ({ upload }) => resolve(upload))
  })
}

/** An uploader with the real inline hasher, 8 MiB parts and fast retries; `extra` wins. */
export function testUploader(
  protocol: UploadProtocol,
  transport: Transport,
  extra: Partial<UploaderOptions> = {},
): Uploader {
  return createUploader({
    protocol,
    transport,
    hasher: createInlineHasher(),
    chunkSize: 8 * 1024 * 1024,
    retry: { baseDelayMs: 50, maxDelayMs: 200 },
    ...extra,
  })
}

/** `testUploader` on the protocol `protocolAt(endpoint)`, for tests that try many endpoints. */
export const uploaderOn =
  (protocolAt: (endpoint: string) => UploadProtocol) =>
  (endpoint: string, transport: Transport, extra: Partial<UploaderOptions> = {}): Uploader =>
    testUploader(protocolAt(endpoint), transport, extra)
