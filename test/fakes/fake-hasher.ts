import { createHash } from 'node:crypto'
import { abortError, type HashOptions, type Hasher } from '../../src/core'

/**
 * A hasher computing real MD5s with node:crypto. With `hold`, full hashes wait until
 * `release()` so tests can prove the upload never waits for them.
 */
export class FakeHasher implements Hasher {
  private held: (() => void)[] = []
  md5Calls = 0

  constructor(private hold = false) {}

  async md5(blob: Blob, { signal, onProgress }: HashOptions): Promise<string> {
    this.md5Calls++
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        this.held.push(resolve)
        signal.addEventListener('abort', () => reject(abortError(signal)), { once: true })
      })
    }
    if (signal.aborted) throw abortError(signal)
    const bytes = new Uint8Array(await blob.arrayBuffer())
    onProgress?.(bytes.length)
    return createHash('md5').update(bytes).digest('hex')
  }

  async sample(blob: Blob): Promise<string> {
    const head = new Uint8Array(await blob.slice(0, 64).arrayBuffer())
    return createHash('md5').update(head).update(String(blob.size)).digest('hex')
  }

  release(): void {
    this.hold = false
    for (const resolve of this.held.splice(0)) resolve()
  }
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex')
}
