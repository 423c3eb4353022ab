/**
 * The Host check: a page on `evil.example` whose name was rebound to 127.0.0.1 (DNS
 * rebinding) reaches a loopback server with `Host: evil.example`, and tus builds its
 * `Location` from that header. Answering only the names the server is known by stops both.
 */
import type { FetchHandler } from './router'

/** Loopback names, any port: the default of a server listening on loopback. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]']

/**
 * True when the Host header `host` is allowed: a rule `name` allows that name on any port,
 * `name:port` only that port; `'*'` allows every host.
 */
export function isHostAllowed(host: string | null, allowed: readonly string[] | '*'): boolean {
  if (allowed === '*') return true
  if (!host) return false
  const wanted = host.toLowerCase()
  const name = wanted.replace(/:\d{1,5}$/, '')
  return allowed.some((rule) => {
    const lower = rule.toLowerCase()
    return lower === wanted || lower === name
  })
}

/** Answers 421 `misdirected` to requests whose Host is not allowed. */
export function withAllowedHosts(
  handler: FetchHandler,
  allowed: readonly string[] | '*',
): FetchHandler {
  if (allowed === '*') return handler
  return (request, context) =>
    isHostAllowed(request.headers.get('host'), allowed)
      ? handler(request, context)
      : Promise.resolve(
          new Response(
            JSON.stringify({
              error: { code: 'misdirected', message: 'this server does not answer that host' },
            }),
            { status: 421, headers: { 'content-type': 'application/json; charset=utf-8' } },
          ),
        )
}
