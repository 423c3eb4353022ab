/**
 * A folder of small files and one big file in real Chromium, on each protocol: the small
 * ones take the one-request path (HTTP `PUT /uploads`, tus creation-with-upload, S3 one
 * form POST, signed in batches), the big one the multipart path, through one uploader; every file is
 * stored byte-identical.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createS3SigningHandler } from '../../server/s3'
import { createTusEndpoint } from '../../server/tus'
import { openS3Target, type S3Target } from '../infra/s3-target'
import { callPage, md5OfFile, openWithFile, randomFile } from './harness'
import { browserRig, type BrowserRig } from './rig'
import { folderBytes } from './pages/folder-bytes'
import { MiB } from '../fakes/files'

const COUNT = 50
/** Request headers the browser sets itself, or that CORS lets a page set without a preflight. */
const BROWSER_OR_SAFELISTED =
  /^(accept|accept-language|content-language|content-type|content-length|origin|referer|user-agent|sec-ch-ua.*|sec-fetch-.*|host|connection|accept-encoding)$/
const SIZE = 100 * 1024

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex')

describe('a folder of 50 small files and one big file in real Chromium', () => {
  let { chromium, pages, server, root } = {} as BrowserRig
  let s3: S3Target
  let big: { path: string; md5: string }

  browserRig((rig) => ({ chromium, pages, server, root } = rig), {
    server: async (root, pagesUrl) => {
      ;[s3, big] = await Promise.all([
        openS3Target({ origins: [pagesUrl] }),
        randomFile(24 * MiB, 'vcu-folder-24m.bin'),
      ])
      const signer = createS3SigningHandler({ client: s3.client, bucket: s3.bucket })
      return {
        root: join(root, 'http'),
        routes: [
          createTusEndpoint({ root: join(root, 'tus') }),
          { basePath: '/s3', handler: signer },
        ],
      }
    },
  })
  afterAll(() => s3?.close())

  /** The md5 of what the server stores for each upload, by file name. */
  const stored: Record<string, (result: Record<string, unknown>) => Promise<string>> = {
    http: async (result) =>
      md5OfFile(join(root, 'http', 'files', String((result.data as { id: string }).id))),
    tus: async (result) => md5OfFile(join(root, 'tus', String(result.location).split('/').pop()!)),
    s3: async (result) => s3.md5Of(String(result.location)),
  }

  for (const protocol of ['http', 'tus', 's3'] as const) {
    it(`${protocol}: every file is stored byte-identical, the small ones in one request each (HTTP: several to a request)`, async () => {
      const page = await chromium.newPage()
      // What goes to the bucket, preflights included (the page's own count has none).
      const toBucket: string[] = []
      /** Headers of the form POSTs that could make the browser preflight them. */
      const unsafe: string[] = []
      page.on('request', (request) => {
        const url = new URL(request.url())
        if (protocol !== 's3' || !url.pathname.startsWith(`/${s3.bucket}`)) return
        const kind = url.search ? 'part' : 'bucket'
        toBucket.push(`${request.method()} ${kind}`)
        if (request.method() !== 'POST' || kind !== 'bucket') return
        for (const [name, value] of Object.entries(request.headers())) {
          if (name === 'content-type' && !/^multipart\/form-data;/.test(value)) unsafe.push(name)
          else if (!BROWSER_OR_SAFELISTED.test(name)) unsafe.push(name)
        }
      })
      await openWithFile(page, pages.url, big.path)
      const endpoint = { http: server.httpUrl, tus: `${server.url}/tus`, s3: `${server.url}/s3` }[
        protocol
      ]
      const { uploads, requests } = await callPage(page, 'uploadFolder', {
        endpoint,
        protocol,
        count: COUNT,
        size: SIZE,
      })
      await page.close()
      expect(uploads).toHaveLength(COUNT + 1)
      for (const upload of uploads) {
        expect(upload.status.state, upload.file.name).toBe('done')
        if (upload.status.state !== 'done') continue
        const result = upload.status.result as unknown as Record<string, unknown>
        const index = /^photo-(\d+)\.jpg$/.exec(upload.file.name)?.[1]
        const expected =
          index === undefined ? big.md5 : md5(folderBytes(Number(index), SIZE + Number(index)))
        expect(await stored[protocol]!(result), upload.file.name).toBe(expected)
      }
      // One request per small file (on S3 the forms are signed in one batch), a handful for
      // the big one; the multipart path would take three or more per file.
      expect(requests).toBeLessThan(COUNT + 30)
      // HTTP sends them several to a PUT /uploads/batch.
      if (protocol === 'http') expect(requests).toBeLessThan(COUNT / 2)
      if (protocol === 's3') {
        // Each small file is one form POST to the bucket with only CORS-safelisted headers
        // (no upload progress listener either), which the browser sends without a preflight.
        expect(toBucket.filter((r) => r === 'POST bucket')).toHaveLength(COUNT)
        expect(toBucket.filter((r) => r === 'PUT part').length).toBeGreaterThan(0)
        expect([...new Set(unsafe)]).toEqual([])
      }
    })
  }

  it('the page and Node build the same folder bytes', () => {
    // A guard for the comparison above: the generator is deterministic and not constant.
    expect(md5(folderBytes(3, 1000))).toBe(md5(folderBytes(3, 1000)))
    expect(md5(folderBytes(3, 1000))).not.toBe(md5(folderBytes(4, 1000)))
    expect(readFileSync(big.path).length).toBe(24 * MiB)
  })
})
