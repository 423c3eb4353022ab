/**
 * A global `Worker` that runs the real hashing worker's logic in this realm and records
 * every request, for unit tests of what the hasher asks its worker (undo with
 * `vi.unstubAllGlobals()`).
 */
import { vi } from 'vitest'
import { handleMessage, type WorkerResponse } from '../../src/hashing/md5.worker'

/** A request the hasher posted to its worker. */
export interface StubWorkerRequest {
  type: string
  engine?: string
}

/** Stubs `Worker`; returns the list its instances record requests into. */
export function stubWorker(): StubWorkerRequest[] {
  const requests: StubWorkerRequest[] = []
  vi.stubGlobal(
    'Worker',
    class {
      onmessage: ((event: { data: WorkerResponse }) => void) | null = null
      onerror = null
      onmessageerror = null
      postMessage(request: { type: string; id: number; blob: Blob; engine?: string }) {
        requests.push(request)
        void handleMessage(request as never, (data) => this.onmessage?.({ data }), new Map())
      }
      terminate() {}
    },
  )
  return requests
}
