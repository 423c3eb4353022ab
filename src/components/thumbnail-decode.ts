/**
 * Decodes an image into a small preview Blob.
 *
 * Why `createImageBitmap` with `resizeWidth`, and not `<img src=URL(original)>`: the browser
 * decodes a Blob given to `createImageBitmap` on its own decoder threads (Chromium, Firefox,
 * WebKit), and with resize options it keeps only the scaled bitmap, a few tens of KB, instead
 * of a 12-megapixel photo's 48 MB for as long as the `<img>` lives. The main thread only
 * draws that small bitmap and encodes it (WebP where supported, else PNG); the `<img>` then
 * shows a URL of a few KB.
 */
export async function decodeThumbnail(blob: Blob, edge: number): Promise<Blob> {
  const bitmap = await createImageBitmap(blob, { resizeWidth: edge, resizeQuality: 'medium' })
  try {
    // Portraits are cut to a square from the middle: the row shows a square anyway.
    const width = bitmap.width
    const height = Math.min(bitmap.height, width)
    const top = Math.round((bitmap.height - height) / 2)
    if (typeof OffscreenCanvas === 'function') {
      const canvas = new OffscreenCanvas(width, height)
      canvas.getContext('2d')!.drawImage(bitmap, 0, -top)
      return await canvas.convertToBlob({ type: 'image/webp', quality: 0.8 })
    }
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    canvas.getContext('2d')!.drawImage(bitmap, 0, -top)
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (out) => (out ? resolve(out) : reject(new Error('canvas.toBlob gave nothing'))),
        'image/webp',
        0.8,
      ),
    )
  } finally {
    bitmap.close()
  }
}
