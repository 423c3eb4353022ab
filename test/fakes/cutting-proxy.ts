import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1 that cuts connections mid-body: each planned cut takes the next
 * connection that carries that many client bytes and destroys both sides. Real sockets,
 * real resets: what a dropped Wi-Fi looks like to both ends.
 */
export class CuttingProxy {
  private server: Server
  private sockets = new Set<Socket>()
  private cuts: number[] = []
  cutsDone = 0
  port = 0

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.accept(client))
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
    return `http://127.0.0.1:${this.port}`
  }

  /** Cut the next connection(s) after they forwarded this many bytes from the client. */
  cutAfter(...bytes: number[]): void {
    this.cuts.push(...bytes)
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1')
    this.sockets.add(client).add(upstream)
    let forwarded = 0
    let limit: number | undefined
    client.on('data', (data: Buffer) => {
      if (limit === undefined && this.cuts.length > 0) limit = this.cuts.shift()
      if (limit !== undefined && forwarded + data.length >= limit) {
        upstream.write(data.subarray(0, Math.max(0, limit - forwarded)))
        this.cutsDone++
        client.destroy()
        upstream.destroy()
        return
      }
      forwarded += data.length
      if (!upstream.write(data)) client.pause()
    })
    upstream.on('drain', () => client.resume())
    upstream.pipe(client)
    const end = () => {
      client.destroy()
      upstream.destroy()
      this.sockets.delete(client)
      this.sockets.delete(upstream)
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
