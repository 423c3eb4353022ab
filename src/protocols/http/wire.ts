import {
  isObject,
  UploadError,
  type AckedPart,
  type ChunkPlan,
  type UploadResult,
} from '../../core'

/** Parsing of the HTTP chunk protocol's JSON answers (docs/http-protocol.md). */

function garbage(what: string): UploadError {
  return new UploadError('protocol', `The server's ${what} answer is malformed`, {
    retryable: false,
  })
}

/** `received: [[from, to), …]` chunk ranges → acknowledged parts, validated against the plan. */
export function partsFromRanges(received: unknown, plan: ChunkPlan): AckedPart[] {
  if (!Array.isArray(received)) throw garbage('status')
  const parts: AckedPart[] = []
  for (const range of received) {
    if (!Array.isArray(range) || range.length !== 2) throw garbage('status')
    const [from, to] = range as unknown[]
    if (!Number.isInteger(from) || !Number.isInteger(to)) throw garbage('status')
    const first = Math.max(0, from as number)
    const last = Math.min(plan.count, to as number)
    for (let index = first; index < last; index++) {
      parts.push({ index, size: Math.min(plan.partSize, plan.size - index * plan.partSize) })
    }
  }
  return parts
}

/**
 * `partial: [{ index, offset }, …]` (chunks the server holds the start of) → the engine's
 * partial parts; absent (an older server) is none. Entries outside the plan or not inside
 * their chunk are dropped: the chunk is then sent whole.
 */
export function partialChunks(
  partial: unknown,
  plan: ChunkPlan,
): { index: number; bytes: number }[] {
  if (partial === undefined) return []
  if (!Array.isArray(partial)) throw garbage('status')
  const out: { index: number; bytes: number }[] = []
  for (const entry of partial) {
    if (!isObject(entry)) throw garbage('status')
    const { index, offset } = entry
    if (!Number.isInteger(index) || !Number.isInteger(offset)) throw garbage('status')
    const at = index as number
    if (at < 0 || at >= plan.count) continue
    const length = Math.min(plan.partSize, plan.size - at * plan.partSize)
    if ((offset as number) > 0 && (offset as number) < length)
      out.push({ index: at, bytes: offset as number })
  }
  return out
}

export function resultFrom(body: Record<string, unknown>, what: string): UploadResult {
  if (typeof body.size !== 'number') throw garbage(what)
  if (
    body.hash !== undefined &&
    (typeof body.hash !== 'string' || !/^[0-9a-f]{32}$/i.test(body.hash))
  ) {
    throw garbage(what)
  }
  return {
    size: body.size,
    hash: typeof body.hash === 'string' ? body.hash.toLowerCase() : undefined,
    location: typeof body.location === 'string' ? body.location : undefined,
    instant: body.instant === true,
    data: body,
  }
}

export function idFrom(body: Record<string, unknown>): string {
  if (typeof body.id !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(body.id))
    throw garbage('create')
  return body.id
}

export { isObject }
