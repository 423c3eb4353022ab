import { describe, expect, it } from 'vitest'
import { UploadError } from '../../src/core'
import { metadataProblem } from '../../src/core/metadata'
import { createMemoryStore } from '../../src/persistence'
import { isResumeRecord } from '../../src/persistence/validate'
import { formatError } from '../../src/locales'
import { FakeClock } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol, MetadataProtocol } from '../fakes/fake-protocol'
import { scriptedEngine, type ScriptedEngineOptions } from '../fakes/engine'
import { fileOf } from '../fakes/files'
import { scopedUpload } from '../fakes/vue-scope'
import { until } from '../fakes/until'

const setup = (protocol: FakeProtocol, options: Partial<ScriptedEngineOptions> = {}) =>
  scriptedEngine({ protocol, adaptive: false, ...options })

describe('per-file metadata', () => {
  it('sends the option merged with what add() was given, per file', async () => {
    const protocol = new MetadataProtocol({ onPart: autoSucceed })
    const { uploader, clock } = setup(protocol, {
      metadata: (file) => ({ album: 'trip', original: file.name }),
    })
    uploader.add(fileOf(150, 'x.jpg'), { metadata: { album: 'beach', owner: 'ana' } })
    uploader.add(fileOf(120, 'y.jpg'))
    await until(() => uploader.getSnapshot().uploads.every((u) => u.status.state === 'done'), clock)
    expect(protocol.sent).toEqual([
      { album: 'beach', original: 'x.jpg', owner: 'ana' },
      { album: 'trip', original: 'y.jpg' },
    ])
  })

  it('rejects a file whose metadata cannot be sent, with a localized invalid-metadata', () => {
    const protocol = new MetadataProtocol({ onPart: autoSucceed })
    const { uploader } = setup(protocol, { autoStart: false })
    const rejected: UploadError[] = []
    uploader.on('file-rejected', ({ error }) => rejected.push(error))
    const bad = [
      { note: 'line\nbreak' },
      { 'bad key': 'x' },
      { n: 5 as unknown as string },
      { big: 'x'.repeat(1025) },
      { Tag: 'a', tag: 'b' },
      Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`k${i}`, 'é'.repeat(1000)])),
    ]
    for (const metadata of bad) {
      const result = uploader.add(fileOf(10, 'p.txt'), { metadata })
      expect(result.added).toHaveLength(0)
    }
    const thrower = uploader.add(fileOf(10, 'q.txt'), {
      metadata: () => {
        throw new Error('no album chosen')
      },
    })
    expect(thrower.rejected[0].error.params.reason).toContain('no album chosen')
    expect(rejected).toHaveLength(bad.length + 1)
    for (const error of rejected) {
      expect(error).toBeInstanceOf(UploadError)
      expect(error.code).toBe('invalid-metadata')
    }
    expect(formatError(rejected[0], 'en')).toMatch(/^p\.txt has details that cannot be sent/)
    expect(formatError(rejected[0], 'zh-CN')).toMatch(/^p\.txt 附带的信息无法发送/)
    expect(uploader.getSnapshot().uploads).toHaveLength(0)
  })

  it('refuses a static metadata option that cannot be sent, at once (invalid-option)', () => {
    expect(() => setup(new FakeProtocol(), { metadata: { 'a b': 'c' } })).toThrowError(
      expect.objectContaining({ code: 'invalid-option' }) as Error,
    )
  })

  it('keeps the metadata in the resume record, and a file picked again resumes with it', async () => {
    const clock = new FakeClock()
    const store = createMemoryStore()
    const protocol = new MetadataProtocol({ onPart: autoSucceed })
    const first = setup(protocol, { clock, store, hasher: new FakeHasher() })
    let parts = 0
    first.uploader.on('part-uploaded', () => {
      if (++parts === 2) first.uploader.pause()
    })
    const file = fileOf(500, 'scan.tiff')
    first.uploader.add(file, { metadata: { caseId: 'C-17' } })
    await until(() => first.uploader.getSnapshot().uploads[0].status.state === 'paused', clock)
    await first.uploader.flush()
    first.uploader.destroy()
    const [record] = await store.list()
    expect(record.metadata).toEqual({ caseId: 'C-17' })
    expect(isResumeRecord(record)).toBe(true)
    expect(isResumeRecord({ ...record, metadata: { caseId: 5 } })).toBe(false)
    // The next visit has another default; the record's metadata wins for this upload.
    const second = setup(protocol, {
      clock,
      store,
      hasher: new FakeHasher(),
      metadata: { caseId: 'other', source: 'banner' },
    })
    second.uploader.on('part-uploaded', () => second.uploader.pause())
    const outcome = await second.uploader.resumeFrom(record.key, file)
    expect(outcome.error).toBeUndefined()
    await until(() => second.uploader.getSnapshot().uploads[0].status.state === 'paused', clock)
    await second.uploader.flush()
    const [rewritten] = await store.list()
    expect(rewritten.parts.length).toBeGreaterThan(record.parts.length)
    expect(rewritten.metadata).toEqual({ caseId: 'C-17' })
    // The server upload was found from the record: it was created once.
    expect(protocol.sent).toEqual([{ caseId: 'C-17' }])
    second.uploader.destroy()
  })

  it('checks keys, values and the total size', () => {
    expect(metadataProblem({ relativePath: 'a/b/c.txt', 'x-y_z': '' })).toBeUndefined()
    expect(metadataProblem(null)).toBeDefined()
    expect(metadataProblem(['a'])).toBeDefined()
    expect(metadataProblem({ '1a': 'x' })).toMatch(/letter/)
    expect(metadataProblem({ a: '\u0085' })).toMatch(/control/)
    expect(
      metadataProblem(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, '']))),
    ).toMatch(/32/)
  })
})

describe('metadata through the Vue options', () => {
  it('useChunkedUpload hands `metadata` to the engine; add() per call adds to it', async () => {
    const protocol = new MetadataProtocol({ onPart: autoSucceed })
    const { up, stop } = scopedUpload({
      protocol,
      chunkSize: 100,
      metadata: (file) => ({ source: 'vue', original: file.name }),
    })
    up.add(fileOf(120, 'v.txt'), { metadata: { ticket: '42' } })
    const refused = up.add(fileOf(10, 'w.txt'), { metadata: { ticket: 'a\tb' } })
    expect(refused.rejected[0].error.code).toBe('invalid-metadata')
    for (let i = 0; i < 200 && protocol.sent.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(protocol.sent).toEqual([{ source: 'vue', original: 'v.txt', ticket: '42' }])
    stop()
  })
})
