import { CLOSE_CONNECTION, ControlBodyError, readControlBody } from '../control-body'
import { HttpError, badRequest } from './errors'

/** Control bodies are tiny; this bounds what a client can make the server hold. */
export const MAX_JSON_BYTES = 64 * 1024

/**
 * Reads a JSON object body, never holding more than {@link MAX_JSON_BYTES} nor waiting
 * longer than `timeoutMs` for it (408, and the connection closes): a declared
 * Content-Length over the cap is refused before reading, and an undeclared length is
 * counted while reading. An empty body gives `{}` when `optional`.
 */
export async function readJsonObject(
  request: Request,
  optional = false,
  timeoutMs?: number,
): Promise<Record<string, unknown>> {
  let bytes: Buffer
  try {
    bytes = await readControlBody(request, MAX_JSON_BYTES, timeoutMs)
  } catch (error) {
    if (!(error instanceof ControlBodyError)) throw error
    if (error.reason === 'too-large') throw new HttpError(413, 'body-too-large', error.message)
    if (error.reason === 'timeout')
      throw new HttpError(408, 'timeout', error.message, {}, CLOSE_CONNECTION)
    throw badRequest(error.message)
  }
  if (bytes.byteLength === 0) {
    if (optional) return {}
    throw badRequest('a JSON object body is required')
  }
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw badRequest('the body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('the body must be a JSON object')
  return value as Record<string, unknown>
}
