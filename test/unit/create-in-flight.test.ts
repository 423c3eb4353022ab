import { describe, expect, it } from 'vitest'
import type { CreateResult } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { scriptedEngine } from '../fakes/engine'
import { fileOf } from '../fakes/files'
import { until } from '../fakes/until'

/** A backend whose create answers only when the test says so (the request is on the wire). */
class SlowCreate extends FakeProtocol {
  private release: (() => void) | undefined
  creating = 0

  override async create(): Promise<CreateResult> {
    this.creating++
    await new Promise<void>((resolve) => (this.release = resolve))
    return super.create()
  }

  answer(): void {
    this.release?.()
  }
}

function setup(protocol: FakeProtocol) {
  const store = createMemoryStore()
  const { uploader } = scriptedEngine({ protocol, store })
  return { uploader, store }
}

describe('a pause or cancel while the create request is on the wire', () => {
  it('cancel: the upload the server made anyway is deleted, and no record is kept', async () => {
    const protocol = new SlowCreate({ onPart: autoSucceed })
    const { uploader, store } = setup(protocol)
    uploader.add(fileOf(1000))
    await until(() => protocol.creating === 1)
    await uploader.cancel()
    protocol.answer()
    await until(() => protocol.calls.includes('abort'))
    await uploader.flush()
    expect([...protocol.uploads.values()].map((u) => u.aborted)).toEqual([true])
    expect(protocol.calls.filter((c) => c.startsWith('part:'))).toEqual([])
    expect(store.size).toBe(0)
    expect(uploader.getSnapshot().uploads[0].status.state).toBe('canceled')
  })

  it('pause: the new upload is kept, and resume continues it without a second create', async () => {
    const protocol = new SlowCreate({ onPart: autoSucceed })
    const { uploader, store } = setup(protocol)
    uploader.add(fileOf(1000))
    await until(() => protocol.creating === 1)
    uploader.pause()
    protocol.answer()
    await until(() => store.size === 1)
    expect(protocol.calls.filter((c) => c.startsWith('part:'))).toEqual([])
    uploader.resume()
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'done')
    expect(protocol.calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(protocol.uploads.size).toBe(1)
  })
})
