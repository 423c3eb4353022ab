import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createHttpProtocol } from '../../src/protocols/http'
import type { RunningReferenceServer } from '../../server/index'
import { serverPerBlock } from '../../server/testing/fixtures'
import { md5OfFile, randomFile } from '../browser/harness'
import { CuttingProxy } from '../fakes/cutting-proxy'
import { recordingTransport, diskFile, finished, uploaderOn } from '../fakes/engine-run'
import { MiB } from '../fakes/files'

describe('engine + HTTP chunk protocol against the real reference server', () => {
  let server: RunningReferenceServer
  let root: string
  let source: { path: string; md5: string }

  serverPerBlock((started, dir) => ([server, root] = [started, dir]))
  beforeAll(async () => {
    source = await randomFile(64 * MiB)
  })

  const uploaderFor = uploaderOn((endpoint) => createHttpProtocol({ endpoint }))

  it('uploads 64 MiB and the stored file is byte-identical', async () => {
    const transport = recordingTransport()
    const uploader = uploaderFor(server.httpUrl, transport)
    const done = finished(uploader)
    uploader.add(await diskFile(source.path, 'a.bin'))
    const upload = await done
    expect(upload.status.state).toBe('done')
    if (upload.status.state !== 'done') return
    expect(upload.status.result.hash).toBe(source.md5)
    expect(upload.hash.value).toBe(source.md5)
    expect(await md5OfFile(join(root, 'files', String(upload.status.result.data?.id)))).toBe(
      source.md5,
    )
    expect(transport.log.filter((l) => l.endsWith('/stream'))).toHaveLength(1)
    uploader.destroy()
  })

  it('resumes from the server’s status after connections are cut mid-body', async () => {
    const proxy = new CuttingProxy(server.port)
    const endpoint = `${await proxy.listen()}/http`
    // The first connection carries create and then the stream: cut it 20 MiB in.
    // Then cut a chunk PUT too, so a part retry is exercised as well.
    proxy.cutAfter(20 * MiB, 3 * MiB)
    const transport = recordingTransport()
    const uploader = uploaderFor(endpoint, transport, { concurrency: 1, hashing: false })
    const done = finished(uploader)
    uploader.add(await diskFile(source.path, 'cut.bin'))
    const upload = await done
    await proxy.close()
    expect(upload.status.state).toBe('done')
    expect(proxy.cutsDone).toBe(2)
    // After the cut the client asked for status and did not re-send what the server kept:
    // the chunks PUT are a strict subset of the 8, and far less than the file was re-sent.
    const puts = transport.log.filter((l) => l.includes('/chunks/'))
    const distinct = new Set(puts)
    // A retry that reaches the server before it has noticed the cut connection finds the
    // chunk still claimed (503 busy, Retry-After), or a prefix other than the status said
    // (409 offset-mismatch: the next attempt sends the chunk whole). Either is retried and
    // stores nothing; on a loaded machine there may be some, on a quiet one none.
    const refused = transport.log.filter(
      (l, i) => l.includes('/chunks/') && [409, 503].includes(transport.statuses[i] ?? 0),
    ).length
    expect(transport.log.some((l) => l.startsWith('GET /http/uploads/'))).toBe(true)
    expect(distinct.size).toBeLessThan(8)
    expect(distinct.size).toBeGreaterThanOrEqual(8 - 2)
    expect(puts.length).toBe(distinct.size + 1 + refused) // one chunk sent twice, after its cut
    expect(upload.bytesResent).toBeLessThan(20 * MiB)
    expect(upload.retries).toBe(2 + refused)
    if (upload.status.state === 'done') {
      expect(await md5OfFile(join(root, 'files', String(upload.status.result.data?.id)))).toBe(
        source.md5,
      )
    }
    uploader.destroy()
  })

  it('completes instantly when the server already holds the same bytes under another name', async () => {
    const transport = recordingTransport()
    const uploader = uploaderFor(server.httpUrl, transport)
    const done = finished(uploader)
    const instant: boolean[] = []
    uploader.on('upload-success', (e) => instant.push(e.instant))
    uploader.add(await diskFile(source.path, 'renamed-copy.bin'))
    const upload = await done
    expect(upload.status.state).toBe('done')
    expect(instant).toEqual([true])
    expect(transport.log.filter((l) => l.startsWith('PUT'))).toEqual([])
    expect(transport.log.some((l) => l.endsWith('/instant'))).toBe(true)
    uploader.destroy()
  })

  it('uploads a zero-byte file: one small-files request with no bytes for it, the empty MD5 verified', async () => {
    const transport = recordingTransport()
    const uploader = uploaderFor(server.httpUrl, transport)
    const done = finished(uploader)
    uploader.add(new File([], 'empty.txt', { lastModified: 1 }))
    const upload = await done
    expect(upload.status.state).toBe('done')
    if (upload.status.state === 'done')
      expect(upload.status.result.hash).toBe('d41d8cd98f00b204e9800998ecf8427e')
    expect(upload.progress).toBe(1)
    expect(transport.log).toEqual(['PUT /http/uploads/batch'])
    uploader.destroy()
  })

  it('cancel aborts on the server and leaves nothing on disk', async () => {
    const other = await randomFile(48 * MiB, 'vcu-cancel-48m.bin')
    const transport = recordingTransport()
    const uploader = uploaderFor(server.httpUrl, transport, { stream: false, concurrency: 2 })
    const done = finished(uploader)
    const parts: number[] = []
    uploader.on('part-uploaded', ({ part }) => parts.push(part.index))
    const before = new Set(readdirSync(join(root, 'uploads')))
    const [added] = uploader.add(await diskFile(other.path, 'cancel.bin')).added
    await new Promise<void>((resolve) => uploader.on('part-uploaded', () => resolve()))
    await uploader.cancel(added.id)
    expect((await done).status.state).toBe('canceled')
    expect(transport.log.at(-1)).toMatch(/^DELETE \/http\/uploads\//)
    const leftover = readdirSync(join(root, 'uploads')).filter((f) => !before.has(f))
    expect(leftover).toEqual([])
    expect(parts.length).toBeGreaterThan(0)
    uploader.destroy()
  })
})
