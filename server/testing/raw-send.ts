/**
 * A request written byte by byte on a raw socket, for the fuzz tests: any method, any path
 * (never normalized), any header, and a Content-Length that may lie.
 */
import { connect } from 'node:net'

export interface Fuzzed {
  method: string
  path: string
  headers: [string, string][]
  body: Uint8Array
  /** Declared Content-Length minus the bytes sent (a lie when not 0), or null for none. */
  lie: number | null
}

/** Sends `req` as raw bytes; resolves the status, or null when the server closed without one. */
export function sendRaw(port: number, req: Fuzzed): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let head = ''
    let settled = false
    const done = (status: number | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(status)
    }
    // A body shorter than declared makes the server wait: the client then goes away.
    const waitMs = req.lie !== null && req.lie > 0 ? 150 : 8000
    const timer = setTimeout(() => {
      if (req.lie !== null && req.lie > 0) done(null)
      else {
        socket.destroy()
        reject(new Error(`no answer in ${waitMs} ms to ${req.method} ${req.path.slice(0, 200)}`))
      }
    }, waitMs)
    socket.on('data', (piece: Buffer) => {
      head += piece.toString('latin1')
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head)
      if (match) done(Number(match[1]))
      else if (head.length > 12) done(-1)
    })
    socket.on('error', () => done(null))
    socket.on('close', () => done(null))
    const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close']
    for (const [name, value] of req.headers) lines.push(`${name}: ${value}`)
    if (req.lie !== null) lines.push(`Content-Length: ${req.body.length + req.lie}`)
    socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), req.body]))
  })
}
