/**
 * The baselines' server: PUT /sink?offset=N writes the body into one file at that offset,
 * like the reference server's store does, with nothing else (no protocol, no hashing).
 */
import { createWriteStream } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { pipeline } from 'node:stream/promises'

export async function startSink(
  path: string,
): Promise<{ url: string; reset(): Promise<void>; close(): Promise<void> }> {
  await writeFile(path, '')
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'PUT',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '600',
  }
  const server = createServer(async (req, res) => {
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end()
    const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset') ?? 0)
    try {
      await pipeline(req, createWriteStream(path, { flags: 'r+', start: offset }))
      res.writeHead(204, cors).end()
    } catch {
      res.writeHead(500, cors).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/sink`,
    reset: () => writeFile(path, ''),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(path, { force: true })
    },
  }
}
