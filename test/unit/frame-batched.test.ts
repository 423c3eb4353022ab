/**
 * Snapshots reach Vue at most once per animation frame: the first change after a quiet
 * frame at once, later ones of the same frame together (the latest) at its end.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { mount } from '@vue/test-utils'
import { createFrameBatch, FRAME_BATCH_MAX_WAIT_MS } from '../../src/vue/frame-batched'
import { provideChunkedUpload, type UseChunkedUploadReturn } from '../../src/vue'
import { createFakeUploader, uploadIn } from '../fakes/fake-uploader'

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'requestAnimationFrame', 'cancelAnimationFrame'],
  })
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('createFrameBatch', () => {
  it('applies the first value at once and only the latest of a frame at its end', () => {
    const applied: number[] = []
    const batch = createFrameBatch<number>((n) => applied.push(n))
    batch.push(1)
    expect(applied).toEqual([1])
    batch.push(2)
    batch.push(3)
    batch.push(4)
    expect(applied).toEqual([1])
    vi.advanceTimersToNextFrame()
    expect(applied).toEqual([1, 4])
    // What was applied at the frame's end opens the next frame.
    batch.push(5)
    expect(applied).toEqual([1, 4])
    vi.advanceTimersToNextFrame()
    expect(applied).toEqual([1, 4, 5])
    // A quiet frame closes the batch: the next value goes at once again.
    vi.advanceTimersToNextFrame()
    batch.push(6)
    expect(applied).toEqual([1, 4, 5, 6])
    batch.dispose()
  })

  it('applies within the fallback time where no frame comes (a hidden tab)', () => {
    // Frames never fire: the 100 ms timer stands in.
    vi.stubGlobal('requestAnimationFrame', () => 1)
    vi.stubGlobal('cancelAnimationFrame', () => undefined)
    const applied: string[] = []
    const batch = createFrameBatch<string>((s) => applied.push(s))
    batch.push('a')
    batch.push('b')
    vi.advanceTimersByTime(FRAME_BATCH_MAX_WAIT_MS - 1)
    expect(applied).toEqual(['a'])
    vi.advanceTimersByTime(1)
    expect(applied).toEqual(['a', 'b'])
    batch.dispose()
  })

  it('drops a waiting value when disposed', () => {
    const applied: number[] = []
    const batch = createFrameBatch<number>((n) => applied.push(n))
    batch.push(1)
    batch.push(2)
    batch.dispose()
    vi.advanceTimersByTime(FRAME_BATCH_MAX_WAIT_MS * 2)
    expect(applied).toEqual([1])
  })
})

describe('the composable mirrors snapshots once per frame', () => {
  it('shows the latest of many snapshots of one frame, re-running what reads them once', async () => {
    const engine = createFakeUploader()
    let api: UseChunkedUploadReturn | undefined
    let renders = 0
    const Host = defineComponent({
      setup() {
        api = provideChunkedUpload({ uploader: engine })
        return () => {
          renders++
          return h('p', api!.uploads.value.map((u) => u.progress).join(','))
        }
      },
    })
    const wrapper = mount(Host)
    const rendersAtMount = renders
    const upload = (progress: number) =>
      uploadIn({ state: 'uploading', retrying: false }, progress, { id: 'a', name: 'a.bin' })
    engine.set({ uploads: [upload(0.1)] })
    await nextTick()
    expect(wrapper.text()).toBe('0.1')
    for (let i = 2; i <= 9; i++) engine.set({ uploads: [upload(i / 10)] })
    await nextTick()
    expect(wrapper.text()).toBe('0.1')
    vi.advanceTimersToNextFrame()
    await nextTick()
    expect(wrapper.text()).toBe('0.9')
    // Mount, the first snapshot, then one render for the eight that followed it.
    expect(renders - rendersAtMount).toBe(2)
    wrapper.unmount()
  })
})
