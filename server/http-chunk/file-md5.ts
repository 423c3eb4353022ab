import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'

/** Large reads keep the per-call overhead negligible next to hashing itself. */
const READ_SIZE = 4 * 1024 * 1024

/** MD5 (lower-case hex) of a file, read sequentially into one reused buffer. */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5')
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(READ_SIZE)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}
