/**
 * A TCP pass-through that counts the bytes clients send: put in front of a server, it tells
 * how many bytes reached that server in all (request headers included), whether or not the
 * requests completed. Used only by the reload-and-resume case.
 */
import { createServer, connect, type Socket } from 'node:net'

export interface ByteCounter {
  /** `http://127.0.0.1:<port>`: use it in place of the target's origin. */
  readonly url: string
  /** Bytes received from clients so far. */
  readonly received: number
  close(): Promise<void>
}

export async function startByteCounter(target: string): Promise<ByteCounter> {
  const { hostname, port } = new URL(target)
  const sockets = new Set<Socket>()
  let received = 0
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.on('data', (chunk: Buffer) => (received += chunk.byteLength))
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${address.port}`,
    get received() {
      return received
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
