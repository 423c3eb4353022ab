/**
 * The bytes of small file `index` of a test folder: a xorshift stream seeded by the index,
 * so the page makes them and the test rebuilds them in Node to compare with the server.
 */
export function folderBytes(index: number, size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size)
  let x = ((index + 1) * 2654435761) | 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
}
