/**
 * Images for the thumbnail stories, drawn in the browser (no binary fixtures): a gradient
 * with a sun, as a PNG or JPEG Blob of the given size. Storybook `loaders` make them before
 * the story renders.
 */
export async function sampleImage(
  width: number,
  height: number,
  hue: number,
  type: 'image/png' | 'image/jpeg' = 'image/png',
): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height)
  const context = canvas.getContext('2d')!
  const sky = context.createLinearGradient(0, 0, 0, height)
  sky.addColorStop(0, `hsl(${hue} 70% 45%)`)
  sky.addColorStop(1, `hsl(${(hue + 60) % 360} 70% 80%)`)
  context.fillStyle = sky
  context.fillRect(0, 0, width, height)
  context.fillStyle = `hsl(${(hue + 180) % 360} 90% 60%)`
  context.beginPath()
  context.arc(width * 0.65, height * 0.4, Math.min(width, height) * 0.2, 0, Math.PI * 2)
  context.fill()
  return canvas.convertToBlob({ type })
}

/** Bytes that claim to be a JPEG but are not: decoding fails and the row keeps its icon. */
export const brokenJpeg = (): Blob =>
  new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3, 4])], { type: 'image/jpeg' })
