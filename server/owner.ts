import { createHash } from 'node:crypto'
import type { RequestContext } from './router'

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

/** The digest of the anonymous identity of stores written before anonymous callers had an address. */
export const ANONYMOUS = ownerDigest('')

/** A caller as the servers compare it: digests only, never a token or an address in clear. */
export interface Caller {
  /** Digest of the identity uploads are bound to. Anonymous callers get one per address. */
  owner: string
  /** Digest of the peer address, for the per-address caps. */
  address: string
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one peer. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return ''
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

/**
 * Who `request` comes from. Anonymous callers (no identity from `ownerOf`) are told apart by
 * address, so one anonymous client can never see, claim or delete another's uploads; apps
 * whose users change address mid-upload should pass an `owner` that knows them.
 */
export async function identify(
  request: Request,
  context: RequestContext | undefined,
  ownerOf: OwnerOf,
): Promise<Caller> {
  const identity = await ownerOf(request)
  const address = normalizeAddress(context?.clientAddress)
  return {
    // A header value cannot hold a newline, so no identity digests like an anonymous one.
    owner: ownerDigest(identity === '' ? `\nanonymous\n${address}` : identity),
    address: ownerDigest(`address\n${address}`),
  }
}
