/**
 * The Content-Disposition of a finished tus upload's GET, after RFC 6266: an ASCII
 * `filename` for old clients and `filename*=UTF-8''…` for the real name. @tus/server puts
 * the raw name into a quoted string, which fails on non-ASCII names (a 500) and would
 * carry CR/LF or quotes into the header.
 */
import type { Server } from '@tus/server'
import { wellFormed } from '../http-chunk/names'

/** RFC 5987 `attr-char`s stay as they are; every other UTF-8 byte is percent-encoded. */
const encodeExtValue = (name: string): string =>
  encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )

/** The `; filename=…; filename*=…` parameters for `name` (well-formed, one header line). */
export function dispositionParams(name: string): string {
  const whole = wellFormed(name)
  const ascii = whole.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  return `; filename="${ascii}"; filename*=UTF-8''${encodeExtValue(whole)}`
}

interface ContentTypeFilter {
  filterContentType(stats: { metadata?: Record<string, string | null> }): {
    contentType: string
    contentDisposition: string
  }
}

/** Makes the GET handler of `tus` name files after RFC 6266. */
export function useRfc6266Names(tus: Server): void {
  const get = tus.handlers.GET as unknown as ContentTypeFilter
  const original = get.filterContentType.bind(get)
  get.filterContentType = (stats) => {
    const { filename, ...rest } = stats.metadata ?? {}
    const answer = original({ ...stats, metadata: rest })
    if (filename) answer.contentDisposition += dispositionParams(filename)
    return answer
  }
}
