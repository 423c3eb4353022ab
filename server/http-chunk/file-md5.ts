import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'

/** Large reads keep the per-call overhead negligible next to hashing itself. */
const READ_SIZE = 4 * 1024 * 1024

/**
 * MD5 (lower-case hex) of a file. Two buffers alternate so the next read runs on the
 * thread pool while the current block is hashed: reading and hashing overlap.
 */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5')
  const handle = await open(path, 'r')
  try {
    const buffers = [Buffer.allocUnsafe(READ_SIZE), Buffer.allocUnsafe(READ_SIZE)]
    let position = 0
    let turn = 0
    let pending = handle.read(buffers[0], 0, READ_SIZE, position)
    for (;;) {
      const { bytesRead, buffer } = await pending
      if (bytesRead === 0) break
      position += bytesRead
      turn ^= 1
      pending = handle.read(buffers[turn], 0, READ_SIZE, position)
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}
