import { DECODABLE_IMAGES } from './file-kind'
import { decodeThumbnail } from './thumbnail-decode'

/** How many thumbnails are decoded and kept, and how large. */
export interface ThumbnailLimits {
  /** Width in pixels the image is decoded at (twice the CSS box, for high-DPI screens). */
  readonly edge: number
  /** Decodes at the same time: a drop of a thousand photos never decodes them all at once. */
  readonly concurrency: number
  /** Thumbnail URLs kept; beyond it, those of rows out of view are revoked first. */
  readonly keep: number
  /** Larger images keep their icon: decoding reads the whole file. */
  readonly maxFileSize: number
}

export const THUMBNAIL_LIMITS: ThumbnailLimits = Object.freeze({
  edge: 96,
  concurrency: 2,
  keep: 120,
  maxFileSize: 40 * 1024 * 1024,
})

interface Entry {
  readonly file: () => Blob | undefined
  readonly show: (url: string | undefined) => void
  visible: boolean
  state: 'idle' | 'queued' | 'decoding' | 'shown' | 'failed'
  url?: string
}

/**
 * The thumbnails of one `<UploadProgress>`: decoded only for rows in view (or about to be),
 * a few at a time, and each object URL revoked when its row goes, when the list is
 * unmounted, or when too many are kept and its row is out of view.
 */
export interface Thumbnails {
  /**
   * Shows the thumbnail of the row drawn by `element` once it comes into view: `show` gets
   * the URL, or `undefined` when it is taken back. Returns the untrack function, which
   * revokes the URL; call it when the row goes.
   */
  track(
    element: Element,
    file: () => Blob | undefined,
    show: (url: string | undefined) => void,
  ): () => void
  /** Revokes every URL and stops watching; in-flight decodes are dropped when they end. */
  dispose(): void
}

export function createThumbnails(
  limits: ThumbnailLimits = THUMBNAIL_LIMITS,
  decode: (blob: Blob, edge: number) => Promise<Blob> = decodeThumbnail,
): Thumbnails {
  // Insertion order is the order rows were last seen: the first ones are evicted first.
  const entries = new Map<Element, Entry>()
  const queue = new Set<Entry>()
  let decoding = 0
  let disposed = false

  const observer =
    typeof IntersectionObserver === 'function'
      ? new IntersectionObserver(
          (changes) => {
            for (const change of changes) seen(change.target, change.isIntersecting)
          },
          // Rows just below the fold are decoded before they scroll in.
          { rootMargin: '200px 0px' },
        )
      : undefined

  function seen(element: Element, visible: boolean): void {
    const entry = entries.get(element)
    if (!entry) return
    entry.visible = visible
    if (visible) {
      entries.delete(element)
      entries.set(element, entry)
      if (entry.state === 'idle') {
        entry.state = 'queued'
        queue.add(entry)
      }
    } else if (entry.state === 'queued') {
      // Scrolled past before its turn: never decoded.
      queue.delete(entry)
      entry.state = 'idle'
    }
    pump()
  }

  function pump(): void {
    while (!disposed && decoding < limits.concurrency && queue.size > 0) {
      const entry = queue.values().next().value!
      queue.delete(entry)
      void run(entry)
    }
  }

  async function run(entry: Entry): Promise<void> {
    const blob = entry.file()
    if (!blob || !DECODABLE_IMAGES.has(blob.type) || blob.size > limits.maxFileSize) {
      entry.state = 'failed'
      return
    }
    entry.state = 'decoding'
    decoding++
    try {
      const small = await decode(blob, limits.edge)
      // The row went (or the list) while decoding: no URL is ever made for it.
      if (disposed || entry.state !== 'decoding') return
      entry.url = URL.createObjectURL(small)
      entry.state = 'shown'
      entry.show(entry.url)
      evict()
    } catch {
      // Not an image after all, or one the browser cannot decode: the icon stays.
      if (entry.state === 'decoding') entry.state = 'failed'
    } finally {
      decoding--
      pump()
    }
  }

  function evict(): void {
    let kept = 0
    for (const entry of entries.values()) if (entry.url) kept++
    for (const entry of entries.values()) {
      if (kept <= limits.keep) return
      if (!entry.url || entry.visible) continue
      URL.revokeObjectURL(entry.url)
      entry.url = undefined
      entry.state = 'idle'
      entry.show(undefined)
      kept--
    }
  }

  function untrack(element: Element): void {
    const entry = entries.get(element)
    if (!entry) return
    observer?.unobserve(element)
    entries.delete(element)
    queue.delete(entry)
    if (entry.url) URL.revokeObjectURL(entry.url)
    entry.url = undefined
    entry.state = 'idle'
  }

  return {
    track(element, file, show) {
      if (disposed) return () => {}
      entries.set(element, { file, show, visible: false, state: 'idle' })
      if (observer) observer.observe(element)
      else seen(element, true)
      return () => untrack(element)
    },
    dispose() {
      disposed = true
      observer?.disconnect()
      for (const element of [...entries.keys()]) untrack(element)
    },
  }
}
