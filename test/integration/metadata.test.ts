/**
 * Per-file metadata end to end from Node, on the three protocols against the reference
 * servers: the HTTP server stores it beside the file and answers it with the result, tus
 * keeps it in `Upload-Metadata` (@tus/server), and the S3 signer puts it on the object as
 * `x-amz-meta-*` (Ceph RGW under CI, the local S3 in a quick run).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import type { UploadProtocol } from '../../src/core'
import { createHttpProtocol } from '../../src/protocols/http'
import { createS3Protocol } from '../../src/protocols/s3'
import { createTusProtocol } from '../../src/protocols/tus'
import { startReferenceServer, type RunningReferenceServer } from '../../server/index'
import { createS3SigningHandler } from '../../server/s3'
import { createTusEndpoint, type TusEndpoint } from '../../server/tus'
import { openS3Target, type S3Target } from '../infra/s3-target'
import { finished, recordingTransport, testUploader } from '../fakes/engine-run'

const JSON_TYPE = { 'content-type': 'application/json' }
const fileOf = (size: number, name: string) =>
  new File([new Uint8Array(size).fill(42)], name, { lastModified: 1_763_700_000_000 })

describe('metadata on every protocol', () => {
  let server: RunningReferenceServer
  let tus: TusEndpoint
  let s3: S3Target
  let root: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vcu-meta-int-'))
    s3 = await openS3Target()
    tus = createTusEndpoint({ root: join(root, 'tus') })
    const signer = createS3SigningHandler({
      client: s3.client,
      bucket: s3.bucket,
      secret: 'metadata-secret',
      basePath: '/s3',
    })
    server = await startReferenceServer({
      root: join(root, 'http'),
      routes: [tus, { basePath: '/s3', handler: signer }],
    })
  })
  afterAll(async () => {
    await server?.close()
    await s3?.close()
    rmSync(root, { recursive: true, force: true })
  })

  async function upload(protocol: UploadProtocol, name: string) {
    const uploader = testUploader(protocol, recordingTransport(), {
      metadata: (file) => ({ album: 'Trip', original: file.name }),
    })
    const done = finished(uploader)
    uploader.add(fileOf(300_000, name), { metadata: { caption: 'Über den Wolken, 2 €' } })
    const snapshot = await done
    uploader.destroy()
    if (snapshot.status.state !== 'done') throw new Error(JSON.stringify(snapshot.status))
    return snapshot.status.result
  }

  const expected = { album: 'Trip', original: 'a.jpg', caption: 'Über den Wolken, 2 €' }

  it('HTTP: the server stores the metadata with the file and answers it with the result', async () => {
    const result = await upload(createHttpProtocol({ endpoint: server.httpUrl }), 'a.jpg')
    expect(result.data?.metadata).toEqual(expected)
    const id = String(result.data?.id)
    const stored = JSON.parse(readFileSync(join(root, 'http', 'files', `${id}.json`), 'utf8'))
    expect(stored.metadata).toEqual(expected)
    // A client that skips the checks is refused by the server too.
    const bad = await fetch(`${server.httpUrl}/uploads`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ name: 'b', size: 1, chunkSize: 1 << 20, metadata: { x: 'a\u0000' } }),
    })
    expect(bad.status).toBe(400)
  })

  it('tus: @tus/server keeps the metadata beside filename and filetype', async () => {
    const result = await upload(createTusProtocol({ endpoint: `${server.url}/tus` }), 'a.jpg')
    const stored = await tus.store.getUpload(String(result.location).split('/').pop()!)
    expect(stored.metadata).toMatchObject({ ...expected, filename: 'a.jpg' })
  })

  it(`S3: the finished object carries x-amz-meta-* (non-ASCII values percent-encoded)`, async () => {
    const result = await upload(createS3Protocol({ endpoint: `${server.url}/s3` }), 'a.jpg')
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: String(result.location) }),
    )
    expect(head.Metadata).toEqual({
      album: 'Trip',
      original: 'a.jpg',
      caption: encodeURIComponent(expected.caption),
    })
    expect(decodeURIComponent(head.Metadata!.caption)).toBe(expected.caption)
    const bad = await fetch(`${server.url}/s3/uploads`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ name: 'b', size: 1, metadata: { 'no good': 'x' } }),
    })
    expect(bad.status).toBe(400)
  })
})
