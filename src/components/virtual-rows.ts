import { computed, onScopeDispose, shallowRef, watch, type Ref } from 'vue'

/** Rows rendered above and below the visible ones, so a fast scroll shows no gap. */
const OVERSCAN = 8
/** Until a row is measured (and where layout gives no size, as on the server). */
const FIRST_GUESS_PX = 44

/**
 * A window over a long list of rows of equal height inside a scrolling `viewport`: only the
 * rows in view (plus a few) are rendered, and the list's padding stands in for the rest, so
 * a thousand uploads cost what twenty do. The row height is measured from a rendered row.
 */
export function useVirtualRows<T>(
  items: () => readonly T[],
  viewport: Readonly<Ref<HTMLElement | null>>,
  enabled: () => boolean,
) {
  const scrollTop = shallowRef(0)
  const height = shallowRef(0)
  const rowHeight = shallowRef(FIRST_GUESS_PX)

  const range = computed(() => {
    const count = items().length
    if (!enabled()) return { first: 0, last: count }
    const first = Math.max(0, Math.floor(scrollTop.value / rowHeight.value) - OVERSCAN)
    const shown = Math.ceil(height.value / rowHeight.value) + 2 * OVERSCAN
    return { first, last: Math.min(count, first + shown) }
  })

  const rows = computed(() => {
    const { first, last } = range.value
    return items()
      .slice(first, last)
      .map((item, i) => ({ item, index: first + i }))
  })

  /** The list's padding: the height of the rows above and below the window. */
  const padding = computed(() => {
    if (!enabled()) return undefined
    const { first, last } = range.value
    const after = items().length - last
    return `${first * rowHeight.value}px 0 ${after * rowHeight.value}px`
  })

  let frame = 0
  const onScroll = () => {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      const el = viewport.value
      if (el) scrollTop.value = el.scrollTop
    })
  }
  const measure = () => {
    const el = viewport.value
    if (!el) return
    height.value = el.clientHeight
    const row = el.querySelector('li')
    if (row && row.offsetHeight > 0) rowHeight.value = row.offsetHeight
  }

  watch(
    () => (enabled() ? viewport.value : null),
    (el, _, onCleanup) => {
      if (!el) return
      el.addEventListener('scroll', onScroll, { passive: true })
      const observer =
        typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : undefined
      observer?.observe(el)
      measure()
      onCleanup(() => {
        el.removeEventListener('scroll', onScroll)
        observer?.disconnect()
      })
    },
    { immediate: true, flush: 'post' },
  )
  // The first rendered row gives the real height (fonts, zoom); resizes measure again.
  watch(() => rows.value.length > 0, measure, { flush: 'post' })
  onScopeDispose(() => {
    if (frame) cancelAnimationFrame(frame)
  })

  return { rows, padding, total: computed(() => items().length) }
}
