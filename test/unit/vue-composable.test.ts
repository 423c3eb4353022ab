import { effectScope, nextTick, ref } from 'vue'
import { describe, expect, it } from 'vitest'
import { createUploader, UploadError } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { useChunkedUpload } from '../../src/vue'
import { settle } from '../fakes/fake-clock'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { fileOf } from '../fakes/files'
import { ScriptedTransport } from '../fakes/scripted-transport'

/** Waits (real time: snapshots are published in a microtask, progress every 100 ms). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) {
    await settle()
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  expect(condition()).toBe(true)
}

/** Runs the composable in a detached scope, as a component or store would. */
function inScope<T>(fn: () => T): { value: T; stop: () => void } {
  const scope = effectScope(true)
  const value = scope.run(fn)!
  return { value, stop: () => scope.stop() }
}

describe('useChunkedUpload with its own engine', () => {
  it('mirrors the engine: uploads, per-file and total progress, done', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const { value: up, stop } = inScope(() =>
      useChunkedUpload({
        protocol,
        transport: new ScriptedTransport(),
        persistence: createMemoryStore(),
        hashing: false,
        chunkSize: 100,
      }),
    )
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
    const { value: up, stop } = inScope(() =>
      useChunkedUpload({
        protocol: new FakeProtocol({ onPart: autoSucceed }),
        transport: new ScriptedTransport(),
        persistence: false,
        hashing: false,
        maxFileSize: 10,
        locale,
      }),
    )
    const { rejected } = up.add(fileOf(11, 'big.bin'))
    expect(rejected[0].error.code).toBe('file-too-large')
    expect(up.rejected.value[0].message).toBe('big.bin is too large (the limit is 10 B).')
    locale.value = 'zh-CN'
    expect(up.message(rejected[0].error)).toBe('big.bin 太大了（上限为 10 B）。')
    expect(up.t('pause')).toBe('暂停')
    stop()
  })

  it('pauses, resumes, retries and cancels through the engine', async () => {
    const protocol = new FakeProtocol()
    const { value: up, stop } = inScope(() =>
      useChunkedUpload({
        protocol,
        transport: new ScriptedTransport(),
        persistence: false,
        hashing: false,
        chunkSize: 100,
        concurrency: 1,
      }),
    )
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

  it('lists pending records from an earlier visit; later hides one, clear deletes it', async () => {
    const store = createMemoryStore()
    const protocol = new FakeProtocol()
    // An earlier visit: an upload that got one part acknowledged, then the page went away.
    const first = createUploader({
      protocol,
      transport: new ScriptedTransport(),
      store,
      chunkSize: 100,
      stream: false,
    })
    first.add(fileOf(300, 'earlier.bin'))
    ;(await protocol.nextPart()).succeed()
    await protocol.nextPart()
    await first.flush()
    first.destroy()

    const { value: up, stop } = inScope(() =>
      useChunkedUpload({
        protocol,
        transport: new ScriptedTransport(),
        persistence: store,
        hashing: false,
      }),
    )
    await until(() => up.pending.value.length === 1)
    const [record] = up.pending.value
    expect(record.file.name).toBe('earlier.bin')
    expect(record.bytesUploaded).toBe(100)
    up.later(record.key)
    expect(up.pending.value).toEqual([])
    await up.refreshPending()
    expect(up.pending.value).toEqual([]) // still dismissed for this page's life
    expect(await store.list()).toHaveLength(1) // and still kept

    const { value: other, stop: stopOther } = inScope(() =>
      useChunkedUpload({ protocol, transport: new ScriptedTransport(), persistence: store }),
    )
    await until(() => other.pending.value.length === 1)
    await other.clear(record.key)
    expect(other.pending.value).toEqual([])
    expect(await store.list()).toEqual([])
    expect(protocol.calls).toContain('abort')
    stop()
    stopOther()
  })

  it('destroys the engine it created when the scope is disposed', async () => {
    const protocol = new FakeProtocol()
    const { value: up, stop } = inScope(() =>
      useChunkedUpload({
        protocol,
        transport: new ScriptedTransport(),
        persistence: false,
        hashing: false,
      }),
    )
    up.add(fileOf(50, 'a.bin'))
    const part = await protocol.nextPart()
    stop()
    await nextTick()
    expect(part.signal.aborted).toBe(true)
    // After disposal the verbs have no engine to act on.
    expect(up.add(fileOf(10, 'a.bin')).added).toEqual([])
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
})
