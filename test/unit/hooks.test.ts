import { describe, expect, it } from 'vitest'
import type { UploadError } from '../../src/core'
import { formatError } from '../../src/locales'
import { autoSucceed, FakeProtocol, MetadataProtocol } from '../fakes/fake-protocol'
import { scriptedEngine } from '../fakes/engine'
import { fileOf } from '../fakes/files'
import { scopedUpload } from '../fakes/vue-scope'

describe('beforeAdd', () => {
  it('refuses with the app reason (false, a string, a throw) and adds metadata when asked', async () => {
    const protocol = new MetadataProtocol({ onPart: autoSucceed })
    const seen: string[] = []
    const { uploader, clock } = scriptedEngine({
      protocol,
      adaptive: false,
      maxFileSize: 1000,
      beforeAdd: (file, context) => {
        seen.push(`${file.name}:${context.blob.size}:${context.liveCount}`)
        if (file.name.endsWith('.exe')) return false
        if (file.name.startsWith('tmp')) return 'temporary files are not kept'
        if (file.name === 'boom.txt') throw new Error('virus scan unavailable')
        return { metadata: { checked: 'yes' } }
      },
    })
    const rejected: UploadError[] = []
    uploader.on('file-rejected', ({ error }) => rejected.push(error))
    const result = uploader.add([
      fileOf(10, 'a.exe'),
      fileOf(10, 'tmp1.txt'),
      fileOf(10, 'boom.txt'),
      fileOf(5000, 'huge.txt'),
      fileOf(150, 'ok.txt'),
    ])
    // The restrictions come first: the hook never sees the file they refuse.
    expect(seen).toEqual(['a.exe:10:0', 'tmp1.txt:10:0', 'boom.txt:10:0', 'ok.txt:150:0'])
    expect(result.added.map((u) => u.file.name)).toEqual(['ok.txt'])
    expect(rejected.map((e) => [e.code, e.params.reason])).toEqual([
      ['file-refused', 'refused'],
      ['file-refused', 'temporary files are not kept'],
      ['file-refused', 'virus scan unavailable'],
      ['file-too-large', undefined],
    ])
    expect(formatError(rejected[1], 'en')).toBe(
      'tmp1.txt was not accepted: temporary files are not kept',
    )
    expect(formatError(rejected[1], 'zh-CN')).toBe(
      'tmp1.txt 未被接受：temporary files are not kept',
    )
    for (let i = 0; i < 100 && protocol.sent.length === 0; i++) await clock.advance(10)
    expect(protocol.sent).toEqual([{ checked: 'yes' }])
    uploader.destroy()
  })

  it('is handed through the Vue options', async () => {
    const { up, stop } = scopedUpload({
      protocol: new FakeProtocol({ onPart: autoSucceed }),
      beforeAdd: (file) => (file.size === 0 ? 'empty files are not uploaded' : undefined),
    })
    const result = up.add([fileOf(0, 'empty.txt'), fileOf(5, 'full.txt')])
    expect(result.rejected.map((r) => r.error.code)).toEqual(['file-refused'])
    expect(result.added.map((u) => u.file.name)).toEqual(['full.txt'])
    stop()
  })
})
