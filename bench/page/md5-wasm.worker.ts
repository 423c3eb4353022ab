/**
 * The hashing limit the bench compares the library's hashing-on uploads with: hash-wasm's
 * MD5 of the File in a dedicated Worker, nothing else (no upload, no progress messages).
 * The next slice is read while the current one is hashed, the fastest plain loop.
 */
import { createMD5 } from 'hash-wasm'

export type Md5WasmRequest = { type: 'warm' } | { type: 'hash'; file: Blob; sliceSize: number }
export type Md5WasmResponse = { type: 'ready' } | { type: 'done'; hex: string; ms: number }

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Md5WasmRequest>) => void) | null
  postMessage(message: Md5WasmResponse): void
}

async function hash(file: Blob, sliceSize: number): Promise<string> {
  const md5 = await createMD5()
  md5.init()
  const read = (at: number) => file.slice(at, Math.min(file.size, at + sliceSize)).arrayBuffer()
  let next = file.size > 0 ? read(0) : undefined
  for (let at = 0; next;) {
    const buffer = await next
    at += buffer.byteLength
    next = at < file.size ? read(at) : undefined
    md5.update(new Uint8Array(buffer))
  }
  return md5.digest('hex')
}

scope.onmessage = (event) => {
  const message = event.data
  if (message.type === 'warm') {
    // Instantiates the WebAssembly module once, so the measured run only hashes.
    void createMD5().then(() => scope.postMessage({ type: 'ready' }))
    return
  }
  const started = performance.now()
  void hash(message.file, message.sliceSize).then((hex) =>
    scope.postMessage({ type: 'done', hex, ms: performance.now() - started }),
  )
}
