import { createHash } from 'node:crypto'

/**
 * Who is calling, as the app's auth knows it (a user id from a session, a token's subject).
 * Uploads are bound to the identity that created them: another identity holding the id
 * gets 404, exactly as for an id that does not exist.
 */
export type OwnerOf = (request: Request) => string | Promise<string>

/**
 * The default identity: the request's `Authorization` header as sent, or `''` (anonymous)
 * without one. An upload created with a token can then only be used with the same token.
 * Apps whose tokens rotate during an upload should pass `owner` and return a stable user id.
 */
export const ownerFromAuthorization: OwnerOf = (request) =>
  request.headers.get('authorization') ?? ''

/** A digest of an identity: what is kept on disk and compared, so no token is ever stored. */
export function ownerDigest(owner: string): string {
  return createHash('sha256').update('vcu-owner\n').update(owner).digest('hex').slice(0, 32)
}

/** The digest of the anonymous identity (no Authorization header, or `owner` returned ''). */
export const ANONYMOUS = ownerDigest('')
