/**
 * Coalesces a fast stream of values into at most one `apply` per animation frame: the
 * engine publishes a snapshot after every state change (a thousand small files make
 * thousands a second), while the screen shows one frame in ~16 ms. A value that comes
 * after a quiet frame is applied at once, so a single change is never delayed; values
 * that follow within the same frame wait for the next one, and only the latest of them
 * is applied.
 */

/** Where no frame comes (a hidden tab pauses `requestAnimationFrame`), wait at most this long. */
export const FRAME_BATCH_MAX_WAIT_MS = 100

/** What {@link createFrameBatch} returns. */
export interface FrameBatch<T> {
  /** Hands over the latest value; `apply` sees it now or at the next frame. */
  push(value: T): void
  /** Drops a value still waiting and stops the frame and the timer. */
  dispose(): void
}

/**
 * Calls `apply` with the values pushed, at most once per frame (or per
 * {@link FRAME_BATCH_MAX_WAIT_MS} where frames do not come), always with the latest one.
 */
export function createFrameBatch<T>(apply: (value: T) => void): FrameBatch<T> {
  let waiting: { value: T } | undefined
  /** A frame (and its fallback timer) is open: values pushed now wait for its end. */
  let open = false
  let frame: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  const stop = () => {
    if (frame !== undefined) cancelAnimationFrame(frame)
    clearTimeout(timer)
    frame = undefined
    timer = undefined
    open = false
  }

  const openFrame = () => {
    open = true
    if (typeof requestAnimationFrame === 'function')
      frame = requestAnimationFrame(() => frameEnded())
    timer = setTimeout(frameEnded, FRAME_BATCH_MAX_WAIT_MS)
  }

  function frameEnded(): void {
    stop()
    if (!waiting) return
    const { value } = waiting
    waiting = undefined
    // What was applied opens a frame of its own: the next value waits for its end.
    openFrame()
    apply(value)
  }

  return {
    push(value) {
      if (open) {
        waiting = { value }
        return
      }
      openFrame()
      apply(value)
    },
    dispose() {
      waiting = undefined
      stop()
    },
  }
}
