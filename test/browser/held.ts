/**
 * What a reference server holds of an upload, asked the way a client would: the HTTP chunk
 * protocol's status route (docs/http-protocol.md) and tus's HEAD. Shared by the browser
 * rigs that check a resume sends only what is missing.
 */

/** Bytes the HTTP chunk server at `httpUrl` holds for upload `id`, from its received chunks. */
export async function httpHeld(httpUrl: string, id: unknown): Promise<number> {
  const response = await fetch(`${httpUrl}/uploads/${String(id)}`)
  const status = (await response.json()) as {
    received: [number, number][]
    partial?: { index: number; offset: number }[]
    chunkSize: number
    size: number
  }
  let bytes = 0
  for (const [from, to] of status.received)
    for (let i = from; i < to; i++)
      bytes += Math.min(status.chunkSize, status.size - i * status.chunkSize)
  // The start of a chunk a cut request was writing: kept by the server, held too.
  for (const { offset } of status.partial ?? []) bytes += offset
  return bytes
}

/** The tus server's Upload-Offset for the upload at `url`. */
export async function tusHeld(url: unknown): Promise<number> {
  const response = await fetch(String(url), {
    method: 'HEAD',
    headers: { 'tus-resumable': '1.0.0' },
  })
  return Number(response.headers.get('upload-offset'))
}
