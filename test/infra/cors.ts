/** CORS preflights as a browser sends them before a cross-origin part PUT. */

/** The OPTIONS request a browser at `origin` sends before a PUT to `url` with `headers`. */
export const preflightPut = (url: string, origin: string, headers: string): Promise<Response> =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': headers,
    },
  })
