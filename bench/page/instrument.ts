/**
 * What the bench measures inside the page, the same way for every uploader (ours and the
 * peers'): when the first request carrying file bytes was sent, how many requests went out,
 * and the main thread's long tasks. Imported first, so `fetch` and `XMLHttpRequest` are
 * wrapped before any uploader captures them.
 */

let firstBodyAt: number | undefined
let requests = 0
const longTasks: { start: number; duration: number }[] = []

new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    longTasks.push({ start: entry.startTime, duration: entry.duration })
}).observe({ type: 'longtask', buffered: true })

/** A body with file bytes in it (JSON and XML strings of the protocols' control requests are not). */
function carriesBytes(body: unknown): boolean {
  if (body instanceof Blob) return body.size > 0
  if (body instanceof ArrayBuffer) return body.byteLength > 0
  if (ArrayBuffer.isView(body)) return body.byteLength > 0
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream
}

function sent(body: unknown): void {
  requests++
  if (firstBodyAt === undefined && carriesBytes(body)) firstBodyAt = performance.now()
}

const send = XMLHttpRequest.prototype.send
XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body) {
  sent(body)
  return send.call(this, body as XMLHttpRequestBodyInit | null | undefined)
}
const nativeFetch = window.fetch.bind(window)
window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  sent(init?.body ?? (input instanceof Request ? input.body : undefined))
  return nativeFetch(input, init)
}

/** What one measured operation reports (times in ms from its start). */
export interface Measured {
  readonly ms: number
  /** From the start to the first request with file bytes; -1 when none was sent. */
  readonly firstByteMs: number
  readonly longestTaskMs: number
  readonly longTasksOver50: number
  readonly requests: number
}

/** Runs `fn` and measures it; `fn`'s own fields (an S3 key, an error) are kept. */
export async function measure<T extends object>(fn: () => Promise<T>): Promise<T & Measured> {
  longTasks.length = 0
  firstBodyAt = undefined
  requests = 0
  const started = performance.now()
  const own = await fn()
  const ms = performance.now() - started
  // Long tasks are reported after they end: let the observer catch up. Only tasks that
  // started during the operation count (not the page load before it).
  await new Promise((resolve) => setTimeout(resolve, 50))
  const during = longTasks.filter((t) => t.start >= started).map((t) => t.duration)
  return {
    ...own,
    ms,
    firstByteMs: firstBodyAt === undefined ? -1 : firstBodyAt - started,
    longestTaskMs: Math.max(0, ...during),
    longTasksOver50: during.filter((d) => d > 50).length,
    requests,
  }
}
