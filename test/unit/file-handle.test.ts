import { describe, expect, it } from 'vitest'
import { readHandle, takeDroppedHandles } from '../../src/vue'

const file = new File([new Uint8Array(10)], 'a.bin', { lastModified: 1000 })
const info = { name: 'a.bin', size: 10, type: '', lastModified: 1000 }

function handleOf(options: {
  query?: PermissionState
  request?: PermissionState
  getFile?: () => Promise<File>
}) {
  const asked: string[] = []
  return {
    asked,
    handle: {
      kind: 'file' as const,
      name: 'a.bin',
      getFile: options.getFile ?? (async () => file),
      queryPermission: async () => (asked.push('query'), options.query ?? 'granted'),
      requestPermission: async () => (asked.push('request'), options.request ?? 'granted'),
    },
  }
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code?: string }) => error.code,
  )

describe('reading a kept file handle', () => {
  it('reads the file when permission is granted, asking again only when needed', async () => {
    const granted = handleOf({})
    expect(await readHandle(granted.handle, info)).toBe(file)
    expect(granted.asked).toEqual(['query'])
    const prompt = handleOf({ query: 'prompt', request: 'granted' })
    expect(await readHandle(prompt.handle, info)).toBe(file)
    expect(prompt.asked).toEqual(['query', 'request'])
  })

  it('gives typed errors: denied, moved or deleted, changed, no handle', async () => {
    expect(
      await codeOf(readHandle(handleOf({ query: 'prompt', request: 'denied' }).handle, info)),
    ).toBe('permission-denied')
    expect(await codeOf(readHandle(handleOf({ query: 'denied' }).handle, info))).toBe(
      'permission-denied',
    )
    const gone = handleOf({
      getFile: () => Promise.reject(new DOMException('gone', 'NotFoundError')),
    })
    expect(await codeOf(readHandle(gone.handle, info))).toBe('file-unreadable')
    // Chromium's answer when the permission was never really granted.
    const notAllowed = handleOf({
      getFile: () => Promise.reject(new DOMException('no', 'NotAllowedError')),
    })
    expect(await codeOf(readHandle(notAllowed.handle, info))).toBe('permission-denied')
    const edited = new File([new Uint8Array(10)], 'a.bin', { lastModified: 2000 })
    expect(await codeOf(readHandle(handleOf({ getFile: async () => edited }).handle, info))).toBe(
      'file-changed',
    )
    expect(await codeOf(readHandle(undefined, info))).toBe('unsupported')
    expect(await codeOf(readHandle({ kind: 'directory' }, info))).toBe('unsupported')
  })
})

describe('handles from a drop', () => {
  it('keeps the handles the browser gives, and none where it gives none', async () => {
    const { handle } = handleOf({})
    const items = [
      { kind: 'file', getAsFileSystemHandle: async () => handle },
      { kind: 'file', getAsFileSystemHandle: async () => null },
      { kind: 'file' }, // a browser without the API
      { kind: 'string' },
    ]
    const event = { dataTransfer: { items } } as unknown as DragEvent
    const map = await takeDroppedHandles(event)
    expect([...map.keys()]).toEqual(['a.bin'])
    expect(map.get('a.bin')).toBe(handle)
    expect((await takeDroppedHandles({ dataTransfer: null } as unknown as DragEvent)).size).toBe(0)
  })
})
