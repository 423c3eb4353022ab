import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h, nextTick } from 'vue'
import { describe, expect, it } from 'vitest'
import { UploadDropzone } from '../../src/components'
import { UploadError } from '../../src/core/errors'
import { formatError } from '../../src/locales'
import { createMemoryStore } from '../../src/persistence'
import { provideChunkedUpload } from '../../src/vue'
import { takeDroppedFiles, type Entry } from '../../src/vue/dropped-files'
import { createFakeUploader } from '../fakes/fake-uploader'
import { FakeClock } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { autoSucceed, FakeProtocol, MetadataProtocol } from '../fakes/fake-protocol'
import { scriptedEngine, type ScriptedEngineOptions } from '../fakes/engine'
import { until } from '../fakes/until'

const WHEN = 1_700_000_000_000
const fileOf = (name: string, size = 10) =>
  new File([new Uint8Array(size).fill(3)], name, { lastModified: WHEN })

function fileEntry(name: string, size = 10): Entry {
  return { name, isFile: true, isDirectory: false, file: (ok) => ok(fileOf(name, size)) }
}

/** A folder whose reader hands out its children in batches of two, like the browser's. */
function dirEntry(name: string, children: Entry[], failAfter?: number): Entry {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader() {
      let at = 0
      let calls = 0
      return {
        readEntries(ok, fail) {
          if (failAfter !== undefined && calls++ >= failAfter) {
            fail(new DOMException('gone', 'NotReadableError'))
            return
          }
          const batch = children.slice(at, at + 2)
          at += batch.length
          queueMicrotask(() => ok(batch))
        },
      }
    },
  }
}

/** A drop event of these top-level entries. */
function dropOf(entries: Entry[]): DragEvent {
  return {
    dataTransfer: {
      items: entries.map((entry) => ({ kind: 'file', webkitGetAsEntry: () => entry })),
      files: [],
    },
  } as unknown as DragEvent
}

const setup = (protocol: FakeProtocol, options: Partial<ScriptedEngineOptions> = {}) =>
  scriptedEngine({ protocol, adaptive: false, ...options })

describe('folder uploads', () => {
  it('walks nested dropped folders, giving each file its relative path', async () => {
    const drop = dropOf([
      fileEntry('top.txt'),
      dirEntry('photos', [
        fileEntry('a.jpg'),
        fileEntry('b.jpg'),
        fileEntry('c.jpg'),
        dirEntry('2024', [fileEntry('a.jpg', 20)]),
      ]),
    ])
    const { files, errors } = await takeDroppedFiles(drop)
    expect(errors).toEqual([])
    const paths = files.map((f) => [f.name, f.webkitRelativePath || '']).sort()
    expect(paths).toEqual([
      ['a.jpg', 'photos/2024/a.jpg'],
      ['a.jpg', 'photos/a.jpg'],
      ['b.jpg', 'photos/b.jpg'],
      ['c.jpg', 'photos/c.jpg'],
      ['top.txt', ''],
    ])
  })

  it('accepts same-name files from two subfolders, and refuses the same path twice', async () => {
    const { files } = await takeDroppedFiles(
      dropOf([dirEntry('a', [fileEntry('x.txt')]), dirEntry('b', [fileEntry('x.txt')])]),
    )
    const { uploader } = setup(new MetadataProtocol({ onPart: autoSucceed }), {
      autoStart: false,
    })
    const result = uploader.add(files)
    expect(result.added.map((u) => u.file.relativePath).sort()).toEqual(['a/x.txt', 'b/x.txt'])
    const again = await takeDroppedFiles(dropOf([dirEntry('a', [fileEntry('x.txt')])]))
    const twice = uploader.add(again.files)
    expect(twice.rejected.map((r) => r.error.code)).toEqual(['duplicate-file'])
  })

  it('reports a folder it cannot read as folder-unreadable and still gives the others', async () => {
    const drop = dropOf([
      dirEntry('ok', [fileEntry('one.txt')]),
      // Gives its first batch, then fails: the files read before are kept.
      dirEntry('broken', [fileEntry('p.txt'), fileEntry('q.txt'), fileEntry('r.txt')], 1),
    ])
    const { files, errors } = await takeDroppedFiles(drop)
    expect(files.map((f) => f.webkitRelativePath).sort()).toEqual([
      'broken/p.txt',
      'broken/q.txt',
      'ok/one.txt',
    ])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(UploadError)
    expect(errors[0].code).toBe('folder-unreadable')
    expect(errors[0].params.name).toBe('broken')
    expect(formatError(errors[0], 'en')).toContain('broken')
    expect(formatError(errors[0], 'zh-CN')).toContain('文件夹 broken')
  })

  it('reports a file that cannot be read, keeping its siblings', async () => {
    const bad: Entry = {
      name: 'locked.bin',
      isFile: true,
      isDirectory: false,
      file: (_ok, fail) => fail(new Error('denied')),
    }
    const { files, errors } = await takeDroppedFiles(
      dropOf([dirEntry('d', [bad, fileEntry('fine.txt')])]),
    )
    expect(files.map((f) => f.webkitRelativePath)).toEqual(['d/fine.txt'])
    expect(errors.map((e) => [e.code, e.params.name])).toEqual([
      ['folder-unreadable', 'd/locked.bin'],
    ])
  })

  it('sends relativePath as metadata on create and keeps it in the resume record', async () => {
    const clock = new FakeClock()
    const store = createMemoryStore()
    const protocol = new MetadataProtocol({ onPart: autoSucceed })
    const { uploader } = setup(protocol, { clock, store, hasher: new FakeHasher() })
    const picked = fileOf('r.csv', 500)
    Object.defineProperty(picked, 'webkitRelativePath', { value: 'reports/q1/r.csv' })
    let parts = 0
    uploader.on('part-uploaded', () => {
      if (++parts === 2) uploader.pause()
    })
    uploader.add([picked, fileOf('plain.txt')], { metadata: { owner: 'ana' } })
    await until(() => protocol.sent.length === 2, clock)
    expect(protocol.sent).toContainEqual({ relativePath: 'reports/q1/r.csv', owner: 'ana' })
    // A single file has no path, so no key.
    expect(protocol.sent).toContainEqual({ owner: 'ana' })
    await until(() => uploader.getSnapshot().uploads[0].status.state === 'paused', clock)
    await uploader.flush()
    const records = await store.list()
    const record = records.find((r) => r.metadata?.relativePath !== undefined)
    expect(record?.metadata).toEqual({ relativePath: 'reports/q1/r.csv', owner: 'ana' })
    uploader.destroy()
  })
})

describe('<UploadDropzone> with a folder drop', () => {
  it('adds the readable files and lists the unreadable folder, localized', async () => {
    const engine = createFakeUploader()
    const Host = defineComponent({
      setup() {
        provideChunkedUpload({ uploader: engine, locale: 'zh-CN' })
        return () => h(UploadDropzone)
      },
    })
    const wrapper = mount(Host, { attachTo: document.body })
    await nextTick()
    const drop = new Event('drop', { bubbles: true, cancelable: true })
    const entries = [
      dirEntry('ok', [fileEntry('one.txt')]),
      dirEntry('broken', [fileEntry('p.txt')], 0),
    ]
    Object.defineProperty(drop, 'dataTransfer', {
      value: {
        items: entries.map((entry) => ({ kind: 'file', type: '', webkitGetAsEntry: () => entry })),
        files: [],
        types: ['Files'],
      },
    })
    wrapper.get('.vcu-dropzone').element.dispatchEvent(drop)
    await flushPromises()
    expect(engine.calls).toEqual(['add:one.txt'])
    expect(wrapper.get('[role=alert]').text()).toContain('文件夹 broken 无法完整读取')
    wrapper.unmount()
  })
})
