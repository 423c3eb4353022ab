/**
 * The resume banner's flows on the engine, with a fake backend: reselect (checked before
 * a byte is sent), clear (kept and retried when the server is unreachable), and the
 * server's answer winning over the record.
 */
import { describe, expect, it, vi } from 'vitest'
import { createUploader, UploadError, type ResumeStore, type Uploader } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { settle } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { FakeProtocol } from '../fakes/fake-protocol'
import { fileOf } from '../fakes/files'
import { ScriptedTransport } from '../fakes/scripted-transport'

function engine(protocol: FakeProtocol, store: ResumeStore, hasher = new FakeHasher()) {
  const uploader = createUploader({
    protocol,
    transport: new ScriptedTransport(),
    hasher,
    store,
    chunkSize: 100,
    concurrency: 1,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  })
  return uploader
}

/** The next part call of a running engine (calls of a destroyed one were aborted). */
async function nextLive(protocol: FakeProtocol) {
  for (;;) {
    const call = await protocol.nextPart()
    if (!call.signal.aborted) return call
  }
}

function settled(uploader: Uploader): Promise<string> {
  return new Promise((resolve) => {
    uploader.on('upload-success', () => resolve('done'))
    uploader.on('upload-error', ({ error }) => resolve(`error:${error.code}`))
  })
}

/** An earlier visit: two of four parts acknowledged, then the page went away. */
async function earlierVisit(protocol: FakeProtocol, store: ResumeStore, file: File) {
  const first = engine(protocol, store)
  first.add(file)
  for (let i = 0; i < 2; i++) (await protocol.nextPart()).succeed()
  await settle() // the second acknowledgement is handled, then its record write flushed
  await first.flush()
  first.destroy()
  const [record] = await store.list()
  expect(record.parts).toHaveLength(2)
  return record
}

describe('reselect', () => {
  it('refuses a file of the same name and size but other content: nothing sent or lost', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const original = fileOf(400, 'video.mp4', { seed: 1 })
    const saved = await earlierVisit(protocol, store, original)
    const next = engine(protocol, store)
    const before = [...protocol.calls]
    const impostor = fileOf(400, 'video.mp4', { seed: 2 }) // same name, size and date; other bytes
    const outcome = await next.resumeFrom(saved.key, impostor)
    expect(outcome.error?.code).toBe('file-mismatch')
    expect(outcome.error?.params).toMatchObject({
      name: 'video.mp4',
      expected: 'video.mp4',
      reason: 'content',
    })
    expect(protocol.calls).toEqual(before) // no create, status, part or abort
    expect(next.getSnapshot().uploads).toEqual([])
    expect(await store.list()).toEqual([saved])
    expect([...protocol.uploads.values()].every((u) => !u.aborted)).toBe(true)
  })

  it('refuses another name or size at once, before reading the file', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const saved = await earlierVisit(protocol, store, fileOf(400, 'video.mp4', { seed: 1 }))
    const hasher = new FakeHasher()
    const sample = vi.spyOn(hasher, 'sample')
    const next = engine(protocol, store, hasher)
    const renamed = await next.resumeFrom(saved.key, fileOf(400, 'other.mp4', { seed: 1 }))
    expect(renamed.error?.params.reason).toBe('name')
    const shorter = await next.resumeFrom(saved.key, fileOf(399, 'video.mp4', { seed: 1 }))
    expect(shorter.error?.params.reason).toBe('size')
    expect(sample).not.toHaveBeenCalled()
  })

  it('checks the full MD5 when the record has one', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const saved = await earlierVisit(protocol, store, fileOf(400, 'video.mp4', { seed: 1 }))
    await store.set(saved.key, { ...saved, hash: '0'.repeat(32) })
    const hasher = new FakeHasher()
    const next = engine(protocol, store, hasher)
    const outcome = await next.resumeFrom(saved.key, fileOf(400, 'video.mp4', { seed: 1 }))
    expect(outcome.error?.code).toBe('file-mismatch')
    expect(hasher.md5Calls).toBe(1)
  })

  it('resumes the same file (even copied, with another date) from what the server holds', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const saved = await earlierVisit(protocol, store, fileOf(400, 'video.mp4', { seed: 1 }))
    const next = engine(protocol, store)
    const end = settled(next)
    const outcome = await next.resumeFrom(
      saved.key,
      fileOf(400, 'video.mp4', { seed: 1, lastModified: 42 }),
    )
    expect(outcome.upload?.file.name).toBe('video.mp4')
    // Picked once: it leaves the pending list, and a second pick does not start it twice.
    expect(await next.pending()).toEqual([])
    expect(
      (await next.resumeFrom(saved.key, fileOf(400, 'video.mp4', { seed: 1 }))).error?.code,
    ).toBe('not-found')
    for (let i = 0; i < 2; i++) (await nextLive(protocol)).succeed()
    expect(await end).toBe('done')
    const parts = protocol.calls.filter((c) => c.startsWith('part:'))
    // Parts 0 and 1 once; part 2 was in flight at the reload (cut), so it goes again.
    expect(parts).toEqual(['part:0', 'part:1', 'part:2', 'part:2', 'part:3'])
    expect(protocol.calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(next.getSnapshot().uploads[0].resumed).toBe(true)
  })
})

describe('the server wins on resume', () => {
  it('re-sends parts the record lists but the server no longer holds', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const file = fileOf(400, 'video.mp4', { seed: 1 })
    const saved = await earlierVisit(protocol, store, file)
    // The server lost part 1 (say, a restore from backup) although the record has it.
    protocol.uploads.get(String(saved.remote.id))!.held.delete(1)
    const next = engine(protocol, store)
    const end = settled(next)
    next.add(file) // the same file through the ordinary dropzone
    const sent: number[] = []
    for (let i = 0; i < 3; i++) {
      const call = await nextLive(protocol)
      sent.push(call.index)
      call.succeed()
    }
    expect(await end).toBe('done')
    expect(sent).toEqual([1, 2, 3])
  })
})

describe('clear', () => {
  it('keeps the record marked when the server is unreachable, and retries on later reads', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const saved = await earlierVisit(protocol, store, fileOf(400, 'video.mp4', { seed: 1 }))
    let reachable = false
    const abort = protocol.abort.bind(protocol)
    protocol.abort = async (request) => {
      if (!reachable) {
        protocol.calls.push('abort:unreachable')
        throw new UploadError('network', 'ECONNREFUSED')
      }
      return abort(request)
    }
    const next = engine(protocol, store)
    const warnings: string[] = []
    next.on('warning', ({ error }) => warnings.push(error.code))
    expect(await next.discard(saved.key)).toBe(false)
    const [marked] = await store.list()
    expect(marked).toMatchObject({ key: saved.key, clearing: true, remote: saved.remote })
    expect((await next.pending()).map((p) => p.clearing)).toEqual([true])
    expect(warnings).toContain('network')
    // A clearing record is not resumed by reselecting.
    expect(
      (await next.resumeFrom(saved.key, fileOf(400, 'video.mp4', { seed: 1 }))).error?.code,
    ).toBe('not-found')

    // Next visit (a new engine on the same store), server back: the read clears it.
    reachable = true
    const later = engine(protocol, store)
    expect(await later.pending()).toEqual([])
    expect(await store.list()).toEqual([])
    expect(protocol.uploads.get(String(saved.remote.id))!.aborted).toBe(true)
  })

  it('deletes on the server and forgets the record when reachable', async () => {
    const protocol = new FakeProtocol()
    const store = createMemoryStore()
    const saved = await earlierVisit(protocol, store, fileOf(400, 'video.mp4', { seed: 1 }))
    const next = engine(protocol, store)
    expect(await next.discard(saved.key)).toBe(true)
    expect(await store.list()).toEqual([])
    expect(protocol.uploads.get(String(saved.remote.id))!.aborted).toBe(true)
  })
})
