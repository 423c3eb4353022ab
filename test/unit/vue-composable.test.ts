import { nextTick, ref } from 'vue'
import { describe, expect, it } from 'vitest'
import { createUploader, UploadError, type ResumeStore } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { useChunkedUpload, usePendingUploads, useUploadMessages } from '../../src/vue'
import { EVENT_READ_MS } from '../../src/vue/context'
import { settle } from '../fakes/fake-clock'
import { autoSucceed, FakeProtocol, type PartCall } from '../fakes/fake-protocol'
import { fileOf } from '../fakes/files'
import { ScriptedTransport } from '../fakes/scripted-transport'
import { inScope, scopedUpload } from '../fakes/vue-scope'

/** Waits (real time: snapshots are published in a microtask, progress every 100 ms). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) {
    await settle()
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  expect(condition()).toBe(true)
}

/**
 * An earlier visit: `earlier.bin` (300 bytes, 100-byte parts) starts uploading, and once
 * `partway` resolves (one part acknowledged, the next on the wire) the page goes away.
 */
async function earlierVisit(
  protocol: FakeProtocol,
  store: ResumeStore,
  partway: () => Promise<void>,
): Promise<void> {
  const first = createUploader({
    protocol,
    transport: new ScriptedTransport(),
    store,
    chunkSize: 100,
    stream: false,
  })
  first.add(fileOf(300, 'earlier.bin'))
  await partway()
  await first.flush()
  first.destroy()
}

describe('useChunkedUpload with its own engine', () => {
  it('mirrors the engine: uploads, per-file and total progress, done', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { up, stop } = scopedUpload({
      protocol,
      store: createMemoryStore(),
      chunkSize: 100,
    })
    expect(up.uploads.value).toEqual([])
    expect(up.progress.value).toBe(0)
    const { added } = up.add([fileOf(250, 'a.bin'), fileOf(100, 'b.bin')])
    expect(added).toHaveLength(2)
    await until(() => up.uploads.value.every((u) => u.status.state === 'done'))
    expect(up.uploads.value.map((u) => u.file.name)).toEqual(['a.bin', 'b.bin'])
    await until(() => up.total.value.bytesUploaded === 350)
    expect(up.progress.value).toBe(1)
    expect(up.isUploading.value).toBe(false)
    stop()
  })

  it('reports restriction failures as localized rejected files, reactive to the locale', () => {
    const locale = ref<'en' | 'zh-CN'>('en')
    const { up, stop } = scopedUpload({
      protocol: new FakeProtocol({ onPart: autoSucceed }),
      store: false,
      maxFileSize: 10,
      locale,
    })
    // The texts need no engine: no provider, no protocol.
    const { value: texts } = inScope(() => useUploadMessages({ locale }))
    const { rejected } = up.add(fileOf(11, 'big.bin'))
    expect(rejected[0].error.code).toBe('file-too-large')
    expect(up.rejected.value[0].message).toBe('big.bin is too large (the limit is 10 B).')
    locale.value = 'zh-CN'
    expect(texts.locale.value).toBe('zh-CN')
    expect(texts.message(rejected[0].error)).toBe('big.bin 太大了（上限为 10 B）。')
    expect(texts.t('pause')).toBe('暂停')
    expect(texts.duration(180)).toBe('3 分钟')
    stop()
  })

  it('reads restriction refs on every add, in the engine it builds and in `restrictions`', () => {
    const maxFileSize = ref(10)
    const { value: up, stop } = inScope(() =>
      useChunkedUpload({
        protocol: new FakeProtocol({ onPart: autoSucceed }),
        transport: new ScriptedTransport(),
        store: false,
        autoStart: false,
        maxFileSize,
      }),
    )
    expect(up.restrictions.value.maxFileSize).toBe(10)
    expect(up.add(fileOf(11)).rejected[0].error.code).toBe('file-too-large')
    maxFileSize.value = 20
    expect(up.restrictions.value.maxFileSize).toBe(20)
    expect(up.getUploader()!.getRestrictions().maxFileSize).toBe(20)
    expect(up.add(fileOf(11)).added).toHaveLength(1)
    stop()
  })

  it('pauses, resumes, retries and cancels through the engine', async () => {
    const protocol = new FakeProtocol()
    const { up, stop } = scopedUpload({
      protocol,
      store: false,
      chunkSize: 100,
      concurrency: 1,
    })
    const [snapshot] = up.add(fileOf(300, 'a.bin')).added
    await protocol.nextPart()
    up.pause(snapshot.id)
    await until(() => up.uploads.value[0].status.state === 'paused')
    expect(up.uploads.value[0].status).toEqual({ state: 'paused', reason: 'user' })
    up.resume(snapshot.id)
    const part = await protocol.nextPart()
    await until(() => up.isUploading.value)
    part.fail(new UploadError('rejected', 'no', { retryable: false }))
    await until(() => up.errors.value.length === 1)
    expect(up.errors.value[0].message).toBe('The server refused the upload.')
    up.retry(snapshot.id)
    await protocol.nextPart()
    await up.cancel(snapshot.id)
    await until(() => up.uploads.value[0].status.state === 'canceled')
    await up.remove(snapshot.id)
    await until(() => up.uploads.value.length === 0)
    stop()
  })

  it('lists pending records from an earlier visit; dismiss hides one, undismiss shows it, discard deletes it', async () => {
    const store = createMemoryStore()
    const protocol = new FakeProtocol()
    await earlierVisit(protocol, store, async () => {
      ;(await protocol.nextPart()).succeed()
      await protocol.nextPart()
    })

    const { value: up, stop } = inScope(() =>
      usePendingUploads({
        protocol,
        transport: new ScriptedTransport(),
        store: store,
        hashing: false,
      }),
    )
    await until(() => up.pending.value.length === 1)
    const [record] = up.pending.value
    expect(record.file.name).toBe('earlier.bin')
    expect(record.bytesUploaded).toBe(100)
    expect(up.canResume(record)).toBe(false) // no file handle was kept
    up.dismiss(record.key)
    expect(up.pending.value).toEqual([])
    expect(up.dismissedCount.value).toBe(1)
    await up.refresh()
    expect(up.pending.value).toEqual([]) // still dismissed for this page's life
    expect(await store.list()).toHaveLength(1) // and still kept
    up.undismiss()
    expect(up.pending.value).toHaveLength(1)
    expect(up.dismissedCount.value).toBe(0)
    // Without a kept handle, resume is refused with a localized message; nothing is lost.
    const refused = await up.resume(record.key)
    expect(refused.ok).toBe(false)
    expect(await store.list()).toHaveLength(1)

    const { value: other, stop: stopOther } = inScope(() =>
      usePendingUploads({ protocol, transport: new ScriptedTransport(), store: store }),
    )
    await until(() => other.pending.value.length === 1)
    expect(await other.discard(record.key)).toBe(true)
    expect(other.pending.value).toEqual([])
    expect(await store.list()).toEqual([])
    expect(protocol.calls).toContain('abort')
    stop()
    stopOther()
  })

  it('destroys the engine it created when the scope is disposed', async () => {
    const protocol = new FakeProtocol()
    const { up, stop } = scopedUpload({
      protocol,
      store: false,
    })
    up.add(fileOf(50, 'a.bin'))
    const part = await protocol.nextPart()
    stop()
    await nextTick()
    expect(part.signal.aborted).toBe(true)
    // After disposal the verbs have no engine to act on.
    expect(up.add(fileOf(10, 'a.bin')).added).toEqual([])
  })

  it('event hooks call back and remove themselves with the scope, or when stopped', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    // An engine passed in outlives the scopes below, so a leaked listener would still fire.
    const engine = createUploader({ protocol, transport: new ScriptedTransport(), chunkSize: 100 })
    const seen: string[] = []
    const { stop } = inScope(() => {
      const up = useChunkedUpload({ uploader: engine })
      up.onFileAdded(({ upload }) => seen.push(`added:${upload.file.name}`))
      up.onUploadSuccess(({ upload }) => seen.push(`success:${upload.file.name}`))
      const stopRejected = up.onFileRejected(({ file }) => seen.push(`rejected:${file.name}`))
      return { up, stopRejected }
    })
    engine.add(fileOf(150, 'one.bin'))
    await until(() => seen.includes('success:one.bin'))
    expect(seen).toEqual(['added:one.bin', 'success:one.bin'])

    stop()
    seen.length = 0
    engine.add(fileOf(150, 'two.bin'))
    await until(() => engine.getSnapshot().uploads.every((u) => u.status.state === 'done'))
    expect(seen).toEqual([]) // nothing left listening after the scope is gone

    const { value, stop: stopOther } = inScope(() => {
      const up = useChunkedUpload({ uploader: engine })
      const rejected: string[] = []
      const off = up.onFileRejected(({ file }) => rejected.push(file.name))
      return { rejected, off }
    })
    // Not a file: refused at once, whatever the engine's restrictions.
    const notAFile = { name: 'x.bin' } as unknown as Blob
    engine.add([notAFile])
    expect(value.rejected).toEqual(['x.bin'])
    value.off()
    engine.add([notAFile])
    expect(value.rejected).toEqual(['x.bin']) // stopped by hand
    stopOther()
    engine.destroy()
  })

  it('never destroys an engine passed in', () => {
    let destroyed = 0
    const engine = createUploader({
      protocol: new FakeProtocol(),
      transport: new ScriptedTransport(),
    })
    const original = engine.destroy
    const spy = { ...engine, destroy: () => (destroyed++, original()) }
    const { stop } = inScope(() => useChunkedUpload({ uploader: spy }))
    stop()
    expect(destroyed).toBe(0)
  })

  it('throws an actionable error when there is no backend', () => {
    expect(() => inScope(() => useChunkedUpload())).toThrow(/no backend.*protocol/)
  })

  it('reads the pending uploads again only for uploads of a file it lists', async () => {
    const store = createMemoryStore()
    let reads = 0
    const counted = {
      ...store,
      list: () => {
        reads++
        return store.list()
      },
    }
    // The earlier visit's upload keeps its second part waiting; every later part succeeds.
    const held: PartCall[] = []
    const protocol = new FakeProtocol({
      onPart: (call) =>
        call.uploadId === 'up1' && call.index > 0 ? held.push(call) : call.succeed(),
    })
    await earlierVisit(protocol, store, () => until(() => held.length > 0))

    // One engine behind the app's list and its resume banner, as under UploadPlugin.
    const engine = createUploader({
      protocol,
      transport: new ScriptedTransport(),
      store: counted,
      chunkSize: 100,
      hashing: false,
    })
    const {
      value: { up, banner },
      stop,
    } = inScope(() => ({
      up: useChunkedUpload({ uploader: engine }),
      banner: usePendingUploads({ uploader: engine }),
    }))
    await until(() => banner.pending.value.length === 1)
    await settle()
    const statusCalls = () => protocol.calls.filter((call) => call === 'status').length
    const before = { reads, status: statusCalls() }
    up.add(Array.from({ length: 150 }, (_, i) => fileOf(10, `photo-${i}.jpg`)))
    await until(() => up.uploads.value.filter((u) => u.status.state === 'done').length === 150)
    await new Promise((resolve) => setTimeout(resolve, EVENT_READ_MS + 50))
    await settle()
    // 300 events (each file starting and finishing) read the store and asked the server about
    // earlier.bin up to once each, then once per EVENT_READ_MS; none of them can change the
    // list, so none reads it now.
    expect(reads - before.reads).toBe(0)
    expect(statusCalls() - before.status).toBe(0)
    expect(banner.pending.value.map((p) => p.file.name)).toEqual(['earlier.bin'])

    // The same file chosen again resumes it: it leaves the list.
    up.add(fileOf(300, 'earlier.bin'))
    await until(() => banner.pending.value.length === 0)
    expect(reads - before.reads).toBeGreaterThan(0)
    stop()
    engine.destroy()
  })
})
