/**
 * The hashing worker. Its logic is {@link handleMessage}, exported so Node tests drive it
 * directly; `onmessage` is attached only when this module really runs in a worker, so
 * importing it anywhere else has no effect.
 */
import { UploadError } from '../core/errors'
import { md5OfBlob, sampleMd5 } from './md5-stream'
import type { WorkerRequest, WorkerResponse } from './worker-protocol'

export type { WorkerRequest, WorkerResponse }

/** The jobs in flight in one worker, by id, so a `cancel` can reach them. */
export type WorkerJobs = Map<number, AbortController>

/**
 * Runs one request: hashes and posts `progress` (once per slice), a `warning` if the chosen
 * engine fell back to spark-md5, then `done` or `error`, or
 * cancels a running job (which then posts an `error` with code `aborted`). Never throws.
 */
export async function handleMessage(
  message: WorkerRequest,
  post: (response: WorkerResponse) => void,
  jobs: WorkerJobs,
): Promise<void> {
  if (message.type === 'cancel') {
    jobs.get(message.id)?.abort()
    return
  }
  const { id } = message
  const controller = new AbortController()
  jobs.set(id, controller)
  const onProgress = (bytes: number) => post({ type: 'progress', id, bytes })
  const onFallback = (warning: UploadError) =>
    post({ type: 'warning', id, code: warning.code, message: warning.message })
  const { engine } = message
  try {
    const hex =
      message.type === 'md5'
        ? await md5OfBlob(message.blob, {
            signal: controller.signal,
            onProgress,
            sliceSize: message.sliceSize,
            engine,
            onFallback,
          })
        : await sampleMd5(message.blob, {
            signal: controller.signal,
            onProgress,
            sampleSize: message.sampleSize,
            engine,
            onFallback,
          })
    post({ type: 'done', id, hex })
  } catch (error) {
    post(errorResponse(id, error))
  } finally {
    jobs.delete(id)
  }
}

function errorResponse(id: number, error: unknown): WorkerResponse {
  if (error instanceof UploadError)
    return { type: 'error', id, message: error.message, code: error.code }
  return { type: 'error', id, message: error instanceof Error ? error.message : String(error) }
}

interface DedicatedWorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null
  postMessage(message: WorkerResponse): void
}

/** The worker scope, or undefined on a page, in Node, in happy-dom. */
function dedicatedWorkerScope(): DedicatedWorkerScope | undefined {
  const scopeClass = (globalThis as { DedicatedWorkerGlobalScope?: abstract new () => unknown })
    .DedicatedWorkerGlobalScope
  if (typeof scopeClass !== 'function' || !(globalThis instanceof scopeClass)) return undefined
  return globalThis as unknown as DedicatedWorkerScope
}

const scope = dedicatedWorkerScope()
if (scope) {
  const jobs: WorkerJobs = new Map()
  scope.onmessage = (event) =>
    void handleMessage(event.data, (response) => scope.postMessage(response), jobs)
}
