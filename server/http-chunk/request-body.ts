import { HttpError, badRequest } from './errors'

/** Control bodies are tiny; this bounds what a client can make the server hold. */
export const MAX_JSON_BYTES = 64 * 1024

const tooLarge = (): HttpError =>
  new HttpError(413, 'body-too-large', `a control body may hold at most ${MAX_JSON_BYTES} bytes`)

/**
 * Reads a JSON object body, never holding more than {@link MAX_JSON_BYTES}: a declared
 * Content-Length over the cap is refused before reading, and an undeclared length is
 * counted while reading. An empty body gives `{}` when `optional`.
 */
export async function readJsonObject(
  request: Request,
  optional = false,
): Promise<Record<string, unknown>> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > MAX_JSON_BYTES) throw tooLarge()
  const pieces: Uint8Array[] = []
  let total = 0
  if (request.body) {
    const reader = request.body.getReader()
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>
      try {
        result = await reader.read()
      } catch {
        throw badRequest('the body could not be read')
      }
      if (result.done) break
      total += result.value.byteLength
      if (total > MAX_JSON_BYTES) {
        void reader.cancel().catch(() => undefined)
        throw tooLarge()
      }
      pieces.push(result.value)
    }
  }
  if (total === 0) {
    if (optional) return {}
    throw badRequest('a JSON object body is required')
  }
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(pieces)))
  } catch {
    throw badRequest('the body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('the body must be a JSON object')
  return value as Record<string, unknown>
}
