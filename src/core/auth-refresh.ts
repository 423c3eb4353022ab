import { abortError, throwIfAborted, UploadError } from './errors'
import type { HttpRequest, HttpResponse, Transport } from './types'

/** Asks the app for fresh auth headers after a 401 (the `refreshAuth` option). */
export type RefreshAuth = () => Promise<Readonly<Record<string, string>>>

/**
 * The transport with auth refresh: a request answered 401 calls `refresh` (requests that
 * meet 401 at the same time share one pending call), the returned headers go on every
 * later request (over the protocol's own headers of the same name, any case), and the
 * request is sent again once; its second answer, 401 or not, goes to the protocol as it is.
 * A request answered 401 after another request already refreshed is only sent again.
 * Requests marked `signedUrl` (presigned bucket URLs) get no headers and no refresh.
 * A `refresh` that throws or returns no object rejects the request with a `rejected`
 * error (status 401) carrying the cause: the upload fails, nothing loops.
 */
export function withAuthRefresh(transport: Transport, refresh: RefreshAuth): Transport {
  let extra: Readonly<Record<string, string>> = {}
  /** Bumped by each successful refresh, so a request knows whether it went out stale. */
  let generation = 0
  let pending: Promise<void> | undefined

  const refreshOnce = (): Promise<void> => {
    pending ??= (async () => {
      try {
        const headers: unknown = await refresh()
        if (!isHeaderRecord(headers)) throw new TypeError('refreshAuth returned no header object')
        extra = { ...extra, ...headers }
        generation += 1
      } finally {
        pending = undefined
      }
    })()
    return pending
  }

  const send = (request: HttpRequest): Promise<HttpResponse> =>
    transport.request({ ...request, headers: merged(request.headers, extra) })

  return {
    prepare: () => transport.prepare?.(),
    async request(request) {
      if (request.signedUrl) return transport.request(request)
      const sentWith = generation
      const response = await send(request)
      if (response.status !== 401) return response
      if (generation === sentWith) {
        try {
          await whileNotAborted(refreshOnce(), request.signal)
        } catch (cause) {
          if (request.signal.aborted) throw cause
          throw new UploadError(
            'rejected',
            `Refreshing auth after HTTP 401 failed: ${cause instanceof Error ? cause.message : String(cause)}`,
            { status: 401, cause, params: { status: 401 } },
          )
        }
      }
      throwIfAborted(request.signal)
      return send(request)
    },
  }
}

/** `promise`, or the signal's abort error as soon as it aborts (a pause need not wait for the app). */
function whileNotAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  throwIfAborted(signal)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** `base` with `extra` over it; a name in `extra` replaces the same name in any case. */
function merged(
  base: Readonly<Record<string, string>> | undefined,
  extra: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> | undefined {
  const names = Object.keys(extra)
  if (names.length === 0) return base
  const replaced = new Set(names.map((name) => name.toLowerCase()))
  const kept = Object.entries(base ?? {}).filter(([name]) => !replaced.has(name.toLowerCase()))
  return { ...Object.fromEntries(kept), ...extra }
}

function isHeaderRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((item) => typeof item === 'string')
  )
}
