import {
  abortError,
  UploadError,
  type HttpRequest,
  type HttpResponse,
  type Transport,
} from '../../src/core'
import { Handoff } from './handoff'

export interface ScriptedRequest extends HttpRequest {
  /** Reports upload progress for this request. */
  progress(loaded: number): void
  respond(response: Partial<HttpResponse> & { json?: unknown }): void
  fail(error?: UploadError): void
  readonly settled: boolean
}

/**
 * A transport whose requests wait for the test to answer them, in the manner of
 * tus-js-client's TestHttpStack: `const req = await t.next(); req.respond({ status: 204 })`.
 * An aborted request rejects with the signal's reason, like the real one.
 */
export class ScriptedTransport implements Transport {
  readonly requests: ScriptedRequest[] = []
  private unanswered = new Handoff<ScriptedRequest>()

  request(request: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      let settled = false
      const finish = (fn: () => void) => {
        if (settled) return
        settled = true
        request.signal.removeEventListener('abort', onAbort)
        fn()
      }
      const onAbort = () => finish(() => reject(abortError(request.signal)))
      if (request.signal.aborted) return onAbort()
      request.signal.addEventListener('abort', onAbort)
      const scripted: ScriptedRequest = {
        ...request,
        progress: (loaded) => {
          if (!settled) request.onUploadProgress?.(loaded)
        },
        respond: ({ status = 200, headers = {}, body, json }) =>
          finish(() =>
            resolve({
              status,
              headers,
              body: json !== undefined ? JSON.stringify(json) : (body ?? ''),
            }),
          ),
        fail: (error = new UploadError('network', 'connection reset')) =>
          finish(() => reject(error)),
        get settled() {
          return settled
        },
      }
      this.requests.push(scripted)
      this.unanswered.give(scripted)
    })
  }

  /** The next request, in the order they were made. */
  next(): Promise<ScriptedRequest> {
    return this.unanswered.take()
  }

  get open(): ScriptedRequest[] {
    return this.requests.filter((r) => !r.settled)
  }
}
