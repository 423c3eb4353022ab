/**
 * Bad input that must work, or be made safe, on every protocol against its real server:
 * a zero-byte file, and file names with `../`, control characters, bidirectional overrides,
 * more than 255 bytes, emoji. The client sends names safely encoded (JSON, tus base64
 * metadata); the servers never use them as paths and store a sanitized name (HTTP chunk, S3
 * key) or the exact name as opaque metadata (tus).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { UploadProtocol, UploadSnapshot } from '../../src/core'
import { createHttpProtocol } from '../../src/protocols/http'
import { createS3Protocol } from '../../src/protocols/s3'
import { createTusProtocol } from '../../src/protocols/tus'
import { isUploadId, sanitizeFileName } from '../../server/index'
import type { RunningReferenceServer } from '../../server/index'
import { serverPerBlock } from '../../server/testing/fixtures'
import { createS3Client, createS3SigningHandler } from '../../server/s3'
import { startLocalS3, type LocalS3 } from '../../server/s3-local'
import { createTusEndpoint, type TusEndpoint } from '../../server/tus'
import { finished, recordingTransport, testUploader } from '../fakes/engine-run'
import { MiB } from '../fakes/files'

export const HOSTILE_NAMES: readonly [string, string][] = [
  ['dot-dot-slash', '../../../etc/passwd'],
  ['backslashes', '..\\..\\windows\\win.ini'],
  ['control characters', 'rep\u0000ort\u0007\r\n.txt'],
  ['RTL override', 'invoice\u202Efdp.exe'],
  ['over 255 bytes', `${'名'.repeat(120)}.pdf`],
  ['emoji', '🎬 final cut 👩‍💻.mp4'],
]

describe('bad input on every protocol, against the real servers', () => {
  let root: string
  let s3: LocalS3
  let client: S3Client
  let tus: TusEndpoint
  let server: RunningReferenceServer

  serverPerBlock(
    (started, dir) => ([server, root] = [started, dir]),
    async (dir) => {
      s3 = await startLocalS3()
      client = createS3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        credentials: s3.credentials,
        forcePathStyle: true,
      })
      tus = createTusEndpoint({ root: join(dir, 'tus') })
      return {
        root: join(dir, 'http'),
        routes: [
          tus,
          { basePath: '/s3', handler: createS3SigningHandler({ client, bucket: s3.bucket }) },
        ],
      }
    },
  )
  afterAll(async () => {
    client?.destroy()
    await s3?.close()
  })

  const protocols: Record<'http' | 'tus' | 's3', () => UploadProtocol> = {
    http: () => createHttpProtocol({ endpoint: `${server.url}/http` }),
    tus: () => createTusProtocol({ endpoint: `${server.url}/tus` }),
    s3: () => createS3Protocol({ endpoint: `${server.url}/s3` }),
  }

  async function upload(kind: keyof typeof protocols, file: File): Promise<UploadSnapshot> {
    const uploader = testUploader(protocols[kind](), recordingTransport(), { chunkSize: 5 * MiB })
    const done = finished(uploader)
    uploader.add(file)
    const snapshot = await done
    uploader.destroy()
    return snapshot
  }

  /** What the server stored: its name for the file, and the bytes. */
  async function stored(kind: keyof typeof protocols, snapshot: UploadSnapshot) {
    if (snapshot.status.state !== 'done') throw new Error(`upload ended ${snapshot.status.state}`)
    const { result } = snapshot.status
    if (kind === 'http') {
      const id = String(result.data?.id)
      const meta = server.server.store.lookup(id)
      if (meta.state !== 'complete') throw new Error('not stored')
      return { name: meta.file.name, size: meta.file.size }
    }
    if (kind === 'tus') {
      const id = String(result.location).split('/').pop()!
      const upload = await tus.store.getUpload(id)
      return { name: upload.metadata?.filename ?? '', size: upload.offset }
    }
    const key = String(result.location)
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
    const bytes = await object.Body!.transformToByteArray()
    return { name: key, size: bytes.length }
  }

  for (const kind of ['http', 'tus', 's3'] as const) {
    it(`${kind}: a zero-byte file uploads and is stored empty`, async () => {
      const snapshot = await upload(kind, new File([], 'empty.txt', { lastModified: 1 }))
      expect(snapshot.status.state).toBe('done')
      expect((await stored(kind, snapshot)).size).toBe(0)
    })

    for (const [what, name] of HOSTILE_NAMES) {
      it(`${kind}: a file name with ${what} is sent safely and never becomes a path`, async () => {
        const bytes = new TextEncoder().encode(`contents of ${what}`)
        const snapshot = await upload(kind, new File([bytes], name, { lastModified: 2 }))
        expect(snapshot.status.state).toBe('done')
        const { name: storedName, size } = await stored(kind, snapshot)
        expect(size).toBe(bytes.length)
        if (kind === 'http') expect(storedName).toBe(sanitizeFileName(name))
        // tus stores the name sanitized like the HTTP store: NUL/CR/LF or a path in a name
        // would otherwise reach the Content-Disposition of a GET.
        if (kind === 'tus') expect(storedName).toBe(sanitizeFileName(name))
        if (kind === 's3') {
          // A generated prefix and random segment, then one sanitized segment.
          expect(storedName).toMatch(/^uploads\/\d{4}-\d\d-\d\d\/[\w-]{22}\/[\p{L}\p{N}._-]+$/u)
          expect(storedName.split('/')).toHaveLength(4)
          expect(storedName.split('/')[3].startsWith('.')).toBe(false)
        }
        if (kind !== 'tus') {
          const codes = [...storedName].map((c) => c.codePointAt(0)!)
          expect(codes.some((c) => c < 0x20 || (c >= 0x202a && c <= 0x202e))).toBe(false)
          expect(Buffer.byteLength(storedName.split('/').pop()!)).toBeLessThanOrEqual(255)
        }
      })
    }
  }

  it('stores every file under a server-made name: nothing in any store is named by a client', () => {
    for (const name of readdirSync(join(root, 'http', 'files'))) {
      expect(isUploadId(name.split('.')[0]), name).toBe(true)
    }
    for (const name of readdirSync(join(root, 'tus'))) {
      expect(name, name).toMatch(/^[0-9a-f]{32}(\.json)?$/)
    }
  })
})
