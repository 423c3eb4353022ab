import { describe, expect, it } from 'vitest'
import {
  abortError,
  UploadError,
  type CreateRequest,
  type CreateResult,
  type PartRequest,
  type SmallUploadRequest,
  type AckedPart,
  type UploadResult,
  type BeforeUploadHook,
} from '../../src/core'
import { formatError } from '../../src/locales'
import { scriptedEngine } from '../fakes/engine'
import { settle } from '../fakes/fake-clock'
import { autoSucceed, FakeProtocol, type FakeProtocolOptions } from '../fakes/fake-protocol'
import { scopedUpload } from '../fakes/vue-scope'

/** The fake backend, recording what reaches it: creates, part bodies and small bodies. */
class RecordingProtocol extends FakeProtocol {
  readonly creates: CreateRequest[] = []
  readonly bodies: { start: number; body: Blob }[] = []
  readonly small: SmallUploadRequest[] = []

  constructor(withSmallRoute: boolean) {
    super({ onPart: autoSucceed })
    if (!withSmallRoute) (this as { uploadSmall?: unknown }).uploadSmall = undefined
  }

  override create(request?: CreateRequest): Promise<CreateResult> {
    if (request) this.creates.push(request)
    return super.create()
  }

  override uploadPart(request: PartRequest): Promise<AckedPart> {
    this.bodies.push({ start: request.start, body: request.body })
    return super.uploadPart(request)
  }

  uploadSmall(request: SmallUploadRequest): Promise<UploadResult | undefined> {
    this.calls.push('small')
    this.small.push(request)
    return request.signal.aborted
      ? Promise.reject(abortError(request.signal))
      : Promise.resolve({ size: request.body.size })
  }

  /** The bytes the server received, in order. */
  async received(): Promise<string> {
    const parts = [...this.bodies].sort((a, b) => a.start - b.start)
    const blobs = [...parts.map((p) => p.body), ...this.small.map((s) => s.body)]
    return new Blob(blobs).text()
  }
}

/** How the fake answers parts from now on (`undefined`: they wait for `nextPart()`). */
function setOnPart(protocol: FakeProtocol, onPart: FakeProtocolOptions['onPart']): void {
  ;(protocol as unknown as { options: FakeProtocolOptions }).options = {
    ...(protocol as unknown as { options: FakeProtocolOptions }).options,
    onPart,
  }
}

const fileOf = (text: string, name = 'photo.txt') =>
  new File([text], name, { type: 'text/plain', lastModified: 1_700_000_000_000 })

/** A hook that holds each call until the test answers it. */
function heldHook() {
  const calls: {
    signal: AbortSignal
    answer: (value: Awaited<ReturnType<BeforeUploadHook>>) => void
  }[] = []
  const hook: BeforeUploadHook = (_file, { signal }) =>
    new Promise((answer) => calls.push({ signal, answer }))
  return { calls, hook }
}

function setUp(hook: BeforeUploadHook, withSmallRoute = false) {
  const protocol = new RecordingProtocol(withSmallRoute)
  const engine = scriptedEngine({ protocol, adaptive: false, beforeUpload: hook })
  const errors: UploadError[] = []
  engine.uploader.on('upload-error', ({ error }) => errors.push(error))
  const stateOf = (id: string) =>
    engine.uploader.getSnapshot().uploads.find((u) => u.id === id)?.status.state
  return { ...engine, protocol, errors, stateOf }
}

describe('beforeUpload', () => {
  it('refuses with the reason, localized, before any request (false, a string)', async () => {
    const { uploader, clock, protocol, errors, stateOf } = setUp((file) =>
      file.name.startsWith('tmp') ? 'temporary files stay local' : false,
    )
    const [a, b] = uploader.add([fileOf('x'.repeat(250), 'tmp.txt'), fileOf('y', 'b.txt')]).added
    await clock.advance(50)
    expect(stateOf(a.id)).toBe('error')
    expect(stateOf(b.id)).toBe('error')
    expect(errors.map((e) => [e.code, e.params.reason, e.retryable])).toEqual([
      ['file-refused', 'temporary files stay local', false],
      ['file-refused', 'refused', false],
    ])
    expect(formatError(errors[0], 'en')).toBe(
      'tmp.txt was not accepted: temporary files stay local',
    )
    expect(formatError(errors[0], 'zh-CN')).toBe('tmp.txt 未被接受：temporary files stay local')
    expect(protocol.calls).toEqual([])
    uploader.destroy()
  })

  it('sends the blob it hands back: the server gets its bytes and size (multipart)', async () => {
    const original = 'a'.repeat(450)
    const { uploader, clock, protocol } = setUp(async (file, { blob }) => {
      const text = await blob.text()
      return { blob: new Blob([text.slice(0, 150).toUpperCase()]), metadata: { packed: file.name } }
    })
    const [added] = uploader.add([fileOf(original)]).added
    expect(added.file.size).toBe(450)
    await clock.advance(100)
    const done = uploader.getSnapshot().uploads[0]
    expect(done.status.state).toBe('done')
    expect(done.file).toMatchObject({ name: 'photo.txt', size: 150, type: 'text/plain' })
    expect(protocol.creates.map((c) => [c.file.size, c.plan.size, c.plan.count])).toEqual([
      [150, 150, 2],
    ])
    expect(protocol.creates[0].metadata).toEqual({ packed: 'photo.txt' })
    expect(await protocol.received()).toBe('A'.repeat(150))
    expect(uploader.getFile(added.id)?.size).toBe(150)
    uploader.destroy()
  })

  it('still knows a replaced file: adding the same file again is a duplicate', async () => {
    const { uploader, clock, protocol } = setUp(async () => ({ blob: new Blob(['z'.repeat(120)]) }))
    setOnPart(protocol, undefined) // parts wait: the upload stays live
    uploader.add([fileOf('x'.repeat(300))])
    await clock.advance(1)
    expect(uploader.getSnapshot().uploads[0].file.size).toBe(120)
    expect(uploader.getSnapshot().uploads[0].status.state).toBe('uploading')
    const again = uploader.add([fileOf('x'.repeat(300))])
    expect(again.rejected.map((r) => r.error.code)).toEqual(['duplicate-file'])
    uploader.destroy()
  })

  it('sends the blob it hands back on the small-file path too', async () => {
    const { uploader, clock, protocol } = setUp(
      async () => ({ blob: new Blob(['tiny']) }),
      true, // a small-file route
    )
    uploader.add([fileOf('b'.repeat(90))])
    await clock.advance(100)
    expect(uploader.getSnapshot().uploads[0].status.state).toBe('done')
    expect(protocol.calls).toEqual(['small'])
    expect(protocol.small[0].file.size).toBe(4)
    expect(await protocol.received()).toBe('tiny')
    uploader.destroy()
  })

  it('turns a throw into one typed error on that file, with no retry and no request', async () => {
    let calls = 0
    const { uploader, clock, protocol, errors } = setUp(async () => {
      calls++
      throw new TypeError('canvas is not supported')
    })
    uploader.add([fileOf('c'.repeat(300))])
    await clock.advance(60_000)
    expect(calls).toBe(1)
    expect(errors.map((e) => [e.code, e.params.reason])).toEqual([
      ['file-refused', 'canvas is not supported'],
    ])
    expect(errors[0].cause).toBeInstanceOf(TypeError)
    expect(protocol.calls).toEqual([])
    uploader.destroy()
  })

  it('rejects an answer it cannot send (bad metadata) as a typed error', async () => {
    const { uploader, clock, errors } = setUp(async () => ({ metadata: { '1bad': 'x' } }))
    uploader.add([fileOf('d')])
    await clock.advance(50)
    expect(errors.map((e) => e.code)).toEqual(['invalid-metadata'])
    uploader.destroy()
  })

  it('is aborted by cancel while pending: canceled, with no request', async () => {
    const { calls, hook } = heldHook()
    const { uploader, clock, protocol, stateOf, errors } = setUp(hook)
    const [added] = uploader.add([fileOf('e'.repeat(300))]).added
    await clock.advance(10)
    expect(calls).toHaveLength(1)
    await uploader.cancel(added.id)
    expect(calls[0].signal.aborted).toBe(true)
    calls[0].answer({ blob: new Blob(['late']) }) // too late: ignored
    await clock.advance(100)
    expect(stateOf(added.id)).toBe('canceled')
    expect(errors).toEqual([])
    expect(protocol.calls).toEqual([])
    uploader.destroy()
  })

  it('runs once per upload across pause and resume, and again if paused while pending', async () => {
    const { calls, hook } = heldHook()
    const protocol = new RecordingProtocol(false)
    const { uploader, clock } = scriptedEngine({ protocol, adaptive: false, beforeUpload: hook })
    const stateOf = () => uploader.getSnapshot().uploads[0].status.state
    const [added] = uploader.add([fileOf('f'.repeat(300))]).added
    await clock.advance(10)
    // Paused while the hook is pending: its answer is dropped and it is asked again.
    uploader.pause(added.id)
    expect(calls[0].signal.aborted).toBe(true)
    uploader.resume(added.id)
    await clock.advance(10)
    expect(calls).toHaveLength(2)
    // Hold the parts so the upload can be paused mid-way.
    setOnPart(protocol, undefined)
    calls[1].answer({ blob: new Blob(['g'.repeat(250)]) })
    const first = await protocol.nextPart()
    first.succeed()
    await clock.advance(10)
    uploader.pause(added.id)
    await clock.advance(10)
    expect(stateOf()).toBe('paused')
    setOnPart(protocol, autoSucceed)
    uploader.resume(added.id)
    await clock.advance(100)
    expect(stateOf()).toBe('done')
    expect(calls).toHaveLength(2)
    expect(protocol.calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(
      await new Blob([...new Map(protocol.bodies.map((p) => [p.start, p.body])).values()]).text(),
    ).toBe('g'.repeat(250))
    uploader.destroy()
  })
})

describe('beforeUpload in Vue', () => {
  it('is handed through the Vue options', async () => {
    const protocol = new RecordingProtocol(false)
    const seen: string[] = []
    const { up, stop } = scopedUpload({
      protocol,
      store: false,
      beforeUpload: (file) => {
        seen.push(file.name)
        return 'not today'
      },
    })
    up.add([fileOf('h', 'vue.txt')])
    for (let i = 0; i < 20 && seen.length === 0; i++) await settle()
    await settle()
    expect(seen).toEqual(['vue.txt'])
    expect(protocol.calls).toEqual([])
    stop()
  })
})
