/**
 * Bad input from the app and the user's disk, each answered with a typed UploadError and
 * without losing what was already uploaded or saved. docs/errors.md lists every case and the
 * test that covers it (here, bad-answers.test.ts, or elsewhere).
 */
import { describe, expect, it } from 'vitest'
import { createUploader, UploadError, type UploaderOptions } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { formatError } from '../../src/locales'
import { FakeClock } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'
import {
  errorOf,
  expectLocalized,
  fileOf,
  LAST_MODIFIED,
  setup,
  statusOf,
  until,
} from '../fakes/bad-input-engine'

/**
 * A picked file whose disk file is later modified or deleted: from then on every read fails
 * the way Chromium fails it (`NotReadableError` / `NotFoundError`), slices included.
 */
class DiskFile extends File {
  broken: 'NotReadableError' | 'NotFoundError' | null = null
  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.broken
      ? Promise.reject(new DOMException('The file changed', this.broken))
      : super.arrayBuffer()
  }
  override slice(start?: number, end?: number, type?: string): Blob {
    const piece = super.slice(start, end, type)
    const broken = () => this.broken
    return new (class extends Blob {
      override arrayBuffer(): Promise<ArrayBuffer> {
        const name = broken()
        return name
          ? Promise.reject(new DOMException('The file changed', name))
          : piece.arrayBuffer()
      }
    })([piece])
  }
}

describe('bad input: restrictions, checked before a byte is sent', () => {
  const restricted = (
    restrictions: Pick<
      UploaderOptions,
      'accept' | 'maxFiles' | 'maxFileSize' | 'minFileSize' | 'maxTotalSize'
    >,
  ) => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    return { protocol, uploader: setup({ protocol, autoStart: false, ...restrictions }) }
  }

  it('rejects a file over maxFileSize with file-too-large', () => {
    const { uploader, protocol } = restricted({ maxFileSize: 500 })
    const { rejected, added } = uploader.add([fileOf(501, 'big.bin'), fileOf(500, 'ok.bin')])
    expect(rejected.map((r) => [r.file.name, r.error.code, r.error.retryable])).toEqual([
      ['big.bin', 'file-too-large', false],
    ])
    expect(added).toHaveLength(1)
    expect(formatError(rejected[0].error, 'en')).toContain('big.bin')
    expectLocalized(rejected[0].error)
    expect(protocol.calls).toEqual([])
  })

  it('rejects a wrong type by extension with file-type-rejected', () => {
    const { uploader } = restricted({ accept: '.mp4, .mov' })
    const { rejected, added } = uploader.add([
      fileOf(10, 'notes.txt', { type: 'video/mp4' }), // the MIME type claims video: the name decides
      fileOf(10, 'CLIP.MOV', { type: '' }),
    ])
    expect(rejected.map((r) => [r.file.name, r.error.code])).toEqual([
      ['notes.txt', 'file-type-rejected'],
    ])
    expect(added.map((u) => u.file.name)).toEqual(['CLIP.MOV'])
    expectLocalized(rejected[0].error)
  })

  it('rejects a wrong type by MIME with file-type-rejected', () => {
    const { uploader } = restricted({ accept: ['image/*', 'application/pdf'] })
    const { rejected, added } = uploader.add([
      fileOf(10, 'photo.jpg', { type: 'application/x-msdownload' }),
      fileOf(10, 'scan', { type: 'application/pdf' }),
      fileOf(10, 'cat.webp', { type: 'image/webp' }),
    ])
    expect(rejected.map((r) => [r.file.name, r.error.code])).toEqual([
      ['photo.jpg', 'file-type-rejected'],
    ])
    expect(added.map((u) => u.file.name)).toEqual(['scan', 'cat.webp'])
  })

  it('rejects files past maxFiles with too-many-files, keeping the ones already added', () => {
    const { uploader } = restricted({ maxFiles: 2 })
    uploader.add(fileOf(10, 'a.bin'))
    const { rejected, added } = uploader.add([fileOf(10, 'b.bin'), fileOf(10, 'c.bin')])
    expect(added.map((u) => u.file.name)).toEqual(['b.bin'])
    expect(rejected.map((r) => [r.file.name, r.error.code])).toEqual([['c.bin', 'too-many-files']])
    expect(uploader.getSnapshot().uploads.map((u) => u.file.name)).toEqual(['a.bin', 'b.bin'])
    expectLocalized(rejected[0].error)
  })

  it('rejects a file that takes the total past maxTotalSize with total-too-large; canceled files do not count', async () => {
    const { uploader } = restricted({ maxTotalSize: 1000 })
    uploader.add(fileOf(600, 'a.bin'))
    const { rejected, added } = uploader.add([
      fileOf(300, 'b.bin'),
      fileOf(200, 'c.bin'),
      fileOf(100, 'd.bin'),
    ])
    // 600 + 300 = 900; c would make 1100; d makes exactly 1000.
    expect(added.map((u) => u.file.name)).toEqual(['b.bin', 'd.bin'])
    expect(rejected.map((r) => [r.file.name, r.error.code, r.error.retryable])).toEqual([
      ['c.bin', 'total-too-large', false],
    ])
    expect(rejected[0].error.params).toMatchObject({ size: 200, total: 900, maxTotalSize: 1000 })
    expect(formatError(rejected[0].error, 'en')).toBe(
      'c.bin cannot be added: together the files would be larger than 1000 B.',
    )
    expectLocalized(rejected[0].error)
    const first = uploader.getSnapshot().uploads[0]
    await uploader.cancel(first.id)
    expect(uploader.add(fileOf(600, 'e.bin')).added).toHaveLength(1)
  })

  it('reads getters on every add, and setRestrictions changes them for the next add', () => {
    let maxFileSize = 100
    const { uploader } = restricted({ maxFileSize: () => maxFileSize, accept: '.bin' })
    expect(uploader.getRestrictions()).toMatchObject({ maxFileSize: 100, accept: '.bin' })
    expect(uploader.add(fileOf(150, 'a.bin')).rejected[0].error.code).toBe('file-too-large')
    maxFileSize = 200
    expect(uploader.getRestrictions().maxFileSize).toBe(200)
    expect(uploader.add(fileOf(150, 'a.bin')).added).toHaveLength(1)
    uploader.setRestrictions({ accept: ['.txt'], maxFiles: 1 })
    expect(uploader.getRestrictions()).toEqual({
      accept: ['.txt'],
      maxFiles: 1,
      maxFileSize: 200,
      minFileSize: undefined,
      maxTotalSize: undefined,
    })
    const next = uploader.add([fileOf(1, 'b.bin', { type: 'text/plain' })])
    expect(next.rejected.map((r) => r.error.code)).toEqual(['too-many-files'])
    uploader.setRestrictions({ maxFiles: undefined })
    expect(uploader.add(fileOf(1, 'b.bin')).rejected[0].error.code).toBe('file-type-rejected')
    // A bad value given by hand throws at once, like a bad option.
    expect(() => uploader.setRestrictions({ maxFiles: -1 })).toThrow(
      expect.objectContaining({ code: 'invalid-option' }),
    )
  })

  it("refuses every file with invalid-option when a getter's value cannot be used", () => {
    const { uploader, protocol } = restricted({ maxFileSize: () => Number.NaN })
    const { rejected, added } = uploader.add([fileOf(1, 'a.bin'), fileOf(2, 'b.bin')])
    expect(added).toEqual([])
    expect(rejected.map((r) => [r.error.code, r.error.params.option])).toEqual([
      ['invalid-option', 'maxFileSize'],
      ['invalid-option', 'maxFileSize'],
    ])
    expectLocalized(rejected[0].error)
    expect(() => uploader.getRestrictions()).toThrow(UploadError)
    expect(protocol.calls).toEqual([])
  })

  it('accepts a zero-byte file by default, and rejects it only when minFileSize says so', async () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const uploader = setup({ protocol })
    uploader.add(new File([], 'empty.txt', { lastModified: 1 }))
    await until(() => statusOf(uploader)?.state === 'done')
    const strict = restricted({ minFileSize: 1 })
    const { rejected } = strict.uploader.add(new File([], 'empty.txt'))
    expect(rejected.map((r) => r.error.code)).toEqual(['file-too-small'])
    expectLocalized(rejected[0].error)
  })

  it('fails a file that needs more parts than the protocol allows with too-many-parts, before creating anything', async () => {
    const protocol = new FakeProtocol({
      onPart: autoSucceed,
      capabilities: { maxParts: 10, maxPartSize: 100, minPartSize: 1 },
    })
    const uploader = setup({ protocol })
    uploader.add(fileOf(1001))
    await until(() => statusOf(uploader)?.state === 'error')
    expect(errorOf(uploader)).toMatchObject({ code: 'too-many-parts', retryable: false })
    expect(protocol.calls).not.toContain('create')
    expectLocalized(errorOf(uploader)!)
  })
})

describe('bad input: what the app hands the uploader', () => {
  it('rejects items that are not files with invalid-file, and still adds the real ones', () => {
    const protocol = new FakeProtocol({ onPart: autoSucceed })
    const uploader = setup({ protocol, autoStart: false })
    const events: string[] = []
    uploader.on('file-rejected', ({ error }) => events.push(error.code))
    const { added, rejected } = uploader.add([
      'C:\\fakepath\\a.txt',
      null,
      42,
      { name: 'fake.bin', size: 10 },
      fileOf(10, 'real.bin'),
    ] as unknown as Blob[])
    expect(added.map((u) => u.file.name)).toEqual(['real.bin'])
    expect(rejected.map((r) => r.error.code)).toEqual(Array(4).fill('invalid-file'))
    expect(rejected[3].file.name).toBe('fake.bin')
    expect(events).toEqual(Array(4).fill('invalid-file'))
    // Not even iterable: one rejected item, no TypeError.
    expect(uploader.add(undefined as unknown as Blob).rejected[0].error.code).toBe('invalid-file')
    expect(uploader.add(7 as unknown as Blob).rejected[0].error.code).toBe('invalid-file')
    expectLocalized(rejected[0].error)
  })

  it('rejects the same file added again while it uploads with duplicate-file; the running one goes on', async () => {
    const protocol = new FakeProtocol()
    const uploader = setup({ protocol })
    const file = fileOf(300, 'movie.mp4')
    uploader.add(file)
    const first = await protocol.nextPart()
    const again = uploader.add(file)
    const copy = uploader.add(fileOf(300, 'movie.mp4')) // the same file picked again
    expect(again.rejected.map((r) => r.error.code)).toEqual(['duplicate-file'])
    expect(copy.rejected.map((r) => r.error.code)).toEqual(['duplicate-file'])
    expect(formatError(again.rejected[0].error, 'en')).toContain('movie.mp4')
    expectLocalized(again.rejected[0].error)
    first.succeed()
    for (let i = 0; i < 2; i++) (await protocol.nextPart()).succeed()
    await until(() => statusOf(uploader)?.state === 'done')
    expect(uploader.getSnapshot().uploads).toHaveLength(1)
    // Once done, adding it again is a new upload.
    expect(uploader.add(file).added).toHaveLength(1)
  })

  it('lets a file whose upload failed be added again', async () => {
    const protocol = new FakeProtocol({
      onPart: (call) => queueMicrotask(() => call.fail(new UploadError('rejected', 'HTTP 403'))),
    })
    const uploader = setup({ protocol })
    const file = fileOf(100, 'report.pdf')
    uploader.add(file)
    await until(() => statusOf(uploader)?.state === 'error')
    expect(uploader.add(file).added).toHaveLength(1)
  })

  it('refuses unusable option values with invalid-option at creation', () => {
    const protocol = new FakeProtocol()
    const transport = new ScriptedTransport()
    const cases: [Partial<UploaderOptions>, string][] = [
      [{ chunkSize: 0 }, 'chunkSize'],
      [{ chunkSize: Number.NaN }, 'chunkSize'],
      [{ chunkSize: -5 }, 'chunkSize'],
      [{ chunkSize: 1.5 }, 'chunkSize'],
      [{ concurrency: 0 }, 'concurrency'],
      [{ concurrency: Number.NaN }, 'concurrency'],
      [{ stallTimeoutMs: 0 }, 'stallTimeoutMs'],
      [{ requestTimeoutMs: -1 }, 'requestTimeoutMs'],
      [{ maxFileSize: Number.NaN }, 'maxFileSize'],
      [{ maxFiles: -1 }, 'maxFiles'],
      [{ maxTotalSize: -1 }, 'maxTotalSize'],
      [{ accept: 5 as unknown as string }, 'accept'],
      [{ chunkSize: '8MB' as unknown as number }, 'chunkSize'],
    ]
    for (const [options, option] of cases) {
      let thrown: unknown
      try {
        createUploader({ protocol, transport, ...options })
      } catch (error) {
        thrown = error
      }
      expect(thrown, option).toBeInstanceOf(UploadError)
      expect(thrown).toMatchObject({ code: 'invalid-option', params: { option } })
    }
    expect(() => createUploader({ protocol, transport, chunkSize: 5 * 1024 * 1024 })).not.toThrow()
    expectLocalized(new UploadError('invalid-option', 'x', { params: { option: 'chunkSize' } }))
  })
})

describe('bad input: the file on disk changes', () => {
  for (const [what, broken, code] of [
    ['modified', 'NotReadableError', 'file-changed'],
    ['deleted', 'NotFoundError', 'file-unreadable'],
  ] as const) {
    it(`fails a file ${what} during the upload with ${code} instead of retrying, keeping its parts and record`, async () => {
      const protocol = new FakeProtocol()
      const store = createMemoryStore()
      const uploader = setup({ protocol, store, hasher: new FakeHasher() })
      const file = new DiskFile([fileOf(1000)], 'video.mov', { lastModified: LAST_MODIFIED })
      uploader.add(file)
      for (let i = 0; i < 3; i++) (await protocol.nextPart()).succeed()
      file.broken = broken
      // The browser cannot read the body: the request fails like a network error.
      ;(await protocol.nextPart()).fail(new UploadError('network', 'Network Error'))
      await until(() => statusOf(uploader)?.state === 'error')
      const error = errorOf(uploader)!
      expect([error.code, error.retryable]).toEqual([code, false])
      expectLocalized(error)
      // No retry of a file that can never be read again.
      expect(protocol.calls.filter((c) => c.startsWith('part:'))).toHaveLength(4)
      // What the server acknowledged stays there, and the resume record stays saved.
      expect([...protocol.uploads.values()][0].held.size).toBe(3)
      expect(protocol.calls).not.toContain('abort')
      await uploader.flush()
      expect(store.size).toBe(1)
    })
  }

  it('still retries a real network failure of a readable file', async () => {
    const clock = new FakeClock()
    const protocol = new FakeProtocol()
    const uploader = setup({ protocol, clock })
    uploader.add(fileOf(200))
    ;(await protocol.nextPart()).fail(new UploadError('network', 'Network Error'))
    const retried = protocol.nextPart()
    await until(() => protocol.calls.filter((c) => c === 'part:0').length === 2, clock)
    ;(await retried).succeed()
    ;(await protocol.nextPart()).succeed()
    await until(() => statusOf(uploader)?.state === 'done', clock)
  })
})
