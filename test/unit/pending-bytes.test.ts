/**
 * What the resume banner says was sent comes from the server: a record is saved when parts
 * are acknowledged, so a one-request upload cut mid-way leaves a record saying 0 B while
 * the server holds much more. Unanswered or gone: the record's own count.
 */
import { describe, expect, it } from 'vitest'
import { createUploader, RESUME_RECORD_VERSION, type ResumeRecord } from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { FakeHasher } from '../fakes/fake-hasher'
import { FakeProtocol } from '../fakes/fake-protocol'
import { ScriptedTransport } from '../fakes/scripted-transport'

const record = (id: string, parts: ResumeRecord['parts']): ResumeRecord => ({
  v: RESUME_RECORD_VERSION,
  key: `vcu|fake|memory://fake|1||${id}.bin|1000:abc`,
  fingerprint: '1000:abc',
  file: { name: `${id}.bin`, size: 1000, type: '', lastModified: 1 },
  protocol: 'fake',
  remote: { id },
  plan: { size: 1000, partSize: 100, count: 10 },
  parts,
  createdAt: 0,
  updatedAt: 0,
  expiresAt: Date.now() + 60_000,
})

async function pendingBytes(protocol: FakeProtocol, records: ResumeRecord[]) {
  const store = createMemoryStore()
  for (const r of records) await store.set(r.key, r)
  const uploader = createUploader({
    protocol,
    transport: new ScriptedTransport(),
    hasher: new FakeHasher(),
    store,
  })
  const pending = await uploader.pending()
  uploader.destroy()
  return Object.fromEntries(pending.map((p) => [p.file.name, p.bytesUploaded]))
}

describe('pending uploads: bytes sent', () => {
  it("shows the server's offset for a record saved before its one request was cut", async () => {
    const protocol = new FakeProtocol({ capabilities: { keepsPartialBodies: true } })
    protocol.uploads.set('cut', { held: new Map(), offset: 730, aborted: false, completed: false })
    expect(await pendingBytes(protocol, [record('cut', [])])).toEqual({ 'cut.bin': 730 })
    expect(protocol.calls).toEqual(['status'])
  })

  it("shows the server's parts, counted in whole bytes of the plan", async () => {
    const protocol = new FakeProtocol()
    const held = new Map([0, 1, 2, 9].map((index) => [index, { index, size: 100 }]))
    protocol.uploads.set('parts', { held, offset: 0, aborted: false, completed: false })
    const saved = record('parts', [{ index: 0, size: 100 }])
    expect(await pendingBytes(protocol, [saved])).toEqual({ 'parts.bin': 400 })
  })

  it("keeps the record's count when the server no longer knows the upload", async () => {
    const protocol = new FakeProtocol()
    const saved = record('gone', [
      { index: 0, size: 100 },
      { index: 1, size: 100 },
    ])
    expect(await pendingBytes(protocol, [saved])).toEqual({ 'gone.bin': 200 })
  })
})
