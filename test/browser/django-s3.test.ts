/**
 * The seed's stack, run: the Django signer of backends/django on Debian's python3-django and
 * python3-boto3 (`/usr/bin/python3 manage.py runserver`), against the S3 of the run (Ceph RGW
 * under CI), driven by the library's S3 client in Chromium on the same origin (Vite forwards
 * `/s3` to Django), CSRF token sent as Django documents. Objects are read back through S3.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page, Request } from 'playwright-core'
import { multipartEtag } from '../../src/protocols/s3'
import { openS3Target, type S3Target } from '../infra/s3-target'
import { launchChromium, randomFile, startPageServer, type BrowserSession } from './harness'
import type { DjangoRun, VcuDjangoApi } from './pages/django'
import { freePort } from '../infra/free-port'
import { MiB } from '../fakes/files'

const PYTHON = '/usr/bin/python3'
const DJANGO_DIR = fileURLToPath(new URL('../../backends/django', import.meta.url))
/** Part URLs live this long, so one test can let a URL expire before its PUT. */
const EXPIRES_IN = 10

/** Django's runserver on `port`; fails (never skips) when Debian's Django is missing. */
async function startDjango(port: number, s3: S3Target): Promise<ChildProcess> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} missing: apt-get install -y python3-django`)
  const child = spawn(
    PYTHON,
    ['manage.py', 'runserver', `127.0.0.1:${port}`, '--noreload', '--nothreading'],
    {
      cwd: DJANGO_DIR,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: '/usr/bin:/bin',
        S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint ?? '',
        S3_REGION: s3.region,
        S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        VCU_PART_URL_EXPIRES_IN: String(EXPIRES_IN),
      },
    },
  )
  let log = ''
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Django exited (${child.exitCode}):\n${log}`)
    const ok = await fetch(`http://127.0.0.1:${port}/s3/csrf`)
      .then((r) => r.status === 200)
      .catch(() => false)
    if (ok) return child
    if (Date.now() > deadline) throw new Error(`Django did not answer in 60 s:\n${log}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const call = <K extends keyof VcuDjangoApi>(
  page: Page,
  method: K,
  arg: Parameters<VcuDjangoApi[K]>[0],
): Promise<Awaited<ReturnType<VcuDjangoApi[K]>>> =>
  page.evaluate(
    ([name, a]) =>
      (window as unknown as { vcuDjango: Record<string, (x: unknown) => unknown> }).vcuDjango[name](
        a,
      ),
    [method, arg] as [string, unknown],
  ) as Promise<Awaited<ReturnType<VcuDjangoApi[K]>>>

describe('Django signer (backends/django) + S3, driven from Chromium', () => {
  let chromium: BrowserSession
  let pages: { url: string; close(): Promise<void> }
  let s3: S3Target
  let django: ChildProcess | undefined
  let djangoUrl: string
  let endpoint: string

  beforeAll(async () => {
    const port = await freePort()
    djangoUrl = `http://127.0.0.1:${port}`
    ;[chromium, pages] = await Promise.all([
      launchChromium(),
      startPageServer({ proxy: { '/s3': djangoUrl } }),
    ])
    s3 = await openS3Target({ origins: [pages.url] })
    django = await startDjango(port, s3)
    endpoint = `${pages.url}/s3`
  })

  afterAll(async () => {
    django?.kill('SIGTERM')
    await Promise.allSettled([chromium?.close(), pages?.close()])
    await s3?.close()
  })

  async function open(path: string): Promise<Page> {
    const page = await chromium.newPage()
    await page.goto(`${pages.url}/django.html`)
    await page.waitForFunction(() => 'vcuDjango' in window)
    await page.setInputFiles('#file', path)
    return page
  }
  const partOf = (url: string) => Number(new URL(url).searchParams.get('partNumber'))
  const isPart = (url: string) => url.includes('partNumber=')

  async function expectStored(run: DjangoRun, md5: string, parts: number) {
    expect(run.error).toBeUndefined()
    expect(run.state).toBe('done')
    expect(run.result?.etag).toMatch(new RegExp(`^[0-9a-f]{32}-${parts}$`))
    expect(await s3.md5Of(String(run.result?.location))).toBe(md5)
  }

  it('uploads through Django; the object is byte-identical and its ETag verified', async () => {
    const source = await randomFile(12 * MiB, 'vcu-django-12m.bin')
    const page = await open(source.path)
    const etags: string[] = []
    page.on('response', (response) => {
      if (response.request().method() === 'PUT' && isPart(response.url())) {
        etags[partOf(response.url()) - 1] = String(response.headers().etag).replace(/"/g, '')
      }
    })
    const run = await call(page, 'upload', { endpoint })
    await expectStored(run, source.md5, 3)
    expect(run.result?.etag).toBe(multipartEtag(etags))
    expect(await s3.pendingUploads()).toEqual([])
    await page.close()
  })

  it('sends a small file as one POST form signed by POST /s3/objects/batch; object bytes and ETag match', async () => {
    const source = await randomFile(512 * 1024 + 3, 'vcu-django-small.bin')
    const page = await open(source.path)
    const requests: string[] = []
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (request.method() !== 'OPTIONS') requests.push(`${request.method()} ${url.pathname}`)
    })
    const run = await call(page, 'upload', { endpoint })
    expect(run.error).toBeUndefined()
    expect(run.state).toBe('done')
    expect(run.result?.etag).toBe(source.md5)
    expect(await s3.md5Of(String(run.result?.location))).toBe(source.md5)
    expect(requests.filter((r) => r === 'POST /s3/objects/batch')).toHaveLength(1)
    expect(requests.filter((r) => r === `POST /${s3.bucket}`)).toHaveLength(1)
    expect(requests.some((r) => r === 'POST /s3/objects' || r.startsWith('PUT'))).toBe(false)
    expect(requests.some((r) => r.startsWith('POST /s3/uploads'))).toBe(false)
    expect(await s3.pendingUploads()).toEqual([])
    await page.close()
  })

  it('reloads mid-upload and resumes from ListParts, sending only what S3 lacks', async () => {
    const source = await randomFile(40 * MiB, 'vcu-django-40m.bin')
    const page = await open(source.path)
    const before = new Set<number>()
    const after: number[] = []
    let phase: 'before' | 'reloading' | 'after' = 'before'
    let enough: () => void = () => {}
    const three = new Promise<void>((resolve) => (enough = resolve))
    page.on('request', (request) => {
      if (phase === 'after' && request.method() === 'PUT' && isPart(request.url()))
        after.push(partOf(request.url()))
    })
    page.on('response', (response) => {
      const request = response.request()
      if (phase === 'after' || request.method() !== 'PUT' || response.status() !== 200) return
      if (!isPart(request.url())) return
      before.add(partOf(request.url()))
      if (before.size >= 3) enough()
    })
    const first = call(page, 'upload', { endpoint, concurrency: 1 }).catch(() => undefined)
    await three
    phase = 'reloading'
    await page.reload()
    await first
    phase = 'after'
    await page.waitForFunction(() => 'vcuDjango' in window)
    await page.setInputFiles('#file', source.path)
    const run = await call(page, 'upload', { endpoint, concurrency: 2 })
    await expectStored(run, source.md5, 8)
    expect(run.resumed).toBe(true)
    expect(after.filter((n) => before.has(n))).toEqual([])
    expect(after.length).toBeLessThanOrEqual(8 - before.size)
    await page.close()
  })

  it('clears a pending upload: Django aborts it in S3 and the record goes', async () => {
    const source = await randomFile(40 * MiB, 'vcu-django-clear-40m.bin')
    const page = await open(source.path)
    let first: () => void = () => {}
    const one = new Promise<void>((resolve) => (first = resolve))
    page.on('response', (response) => {
      if (response.request().method() === 'PUT' && response.status() === 200) first()
    })
    const running = call(page, 'upload', { endpoint, concurrency: 1 }).catch(() => undefined)
    await one
    await page.reload()
    await running
    await page.waitForFunction(() => 'vcuDjango' in window)
    expect(await call(page, 'pending', { endpoint })).toEqual(['vcu-django-clear-40m.bin'])
    expect((await s3.pendingUploads()).length).toBe(1)
    expect(await call(page, 'clearAll', { endpoint })).toEqual([true])
    expect(await call(page, 'pending', { endpoint })).toEqual([])
    expect(await s3.pendingUploads()).toEqual([])
    await page.close()
  })

  it('signs an expired part URL again (S3 answers 403) and completes', async () => {
    const source = await randomFile(6 * MiB, 'vcu-django-6m.bin')
    const page = await open(source.path)
    const refusedRequests = new Set<Request>()
    let held = false
    // The first part's signed URL reaches the page only after it has expired.
    await page.route(
      (url) => /\/s3\/uploads\/[^/]+\/parts\/1$/.test(url.pathname),
      async (route) => {
        if (held || route.request().method() !== 'POST') return route.continue()
        held = true
        const response = await route.fetch()
        await new Promise((resolve) => setTimeout(resolve, (EXPIRES_IN + 2) * 1000))
        await route.fulfill({ response })
      },
    )
    page.on('response', (response) => {
      if (response.request().method() === 'PUT' && response.status() === 403) {
        refusedRequests.add(response.request())
      }
    })
    // Ceph RGW's 403 carries no CORS headers, so the page sees a failed request, not a 403;
    // the client retries it and signs again all the same.
    page.on('requestfailed', (request) => {
      if (request.method() === 'PUT' && isPart(request.url())) refusedRequests.add(request)
    })
    const signs: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST' && /\/s3\/uploads\/[^/]+\/parts\/\d+$/.test(request.url()))
        signs.push(request.url())
    })
    const run = await call(page, 'upload', { endpoint, concurrency: 1 })
    await expectStored(run, source.md5, 2)
    const refused = [...refusedRequests].map((request) => partOf(request.url()))
    // Part 1's late URL was refused (403, or a CORS failure on RGW) and signed again. On a
    // loaded machine another URL may also outlive its 10 s: each refusal is one more signature.
    expect(refused[0]).toBe(1)
    expect(signs).toHaveLength(2 + refused.length)
    await page.close()
  })

  it('answers JSON errors, never an HTML page: CSRF, unknown id, InvalidPart, bad JSON', async () => {
    const csrf = await fetch(`${djangoUrl}/s3/csrf`)
    const token = /csrftoken=([^;]+)/.exec(csrf.headers.get('set-cookie') ?? '')![1]
    const post = (path: string, body: string, withToken = true) =>
      fetch(`${djangoUrl}/s3${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(withToken ? { cookie: `csrftoken=${token}`, 'x-csrftoken': token } : {}),
        },
        body,
      })
    const expectError = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code)
    }
    await expectError(await post('/uploads', '{"size": 1}', false), 403, 'csrf')
    await expectError(await post('/uploads', '[1]'), 400, 'bad-request')
    await expectError(await post('/uploads/nope.nope/parts/1', '{}'), 404, 'not-found')
    const created = await post('/uploads', JSON.stringify({ name: 'x.bin', size: 6 * MiB }))
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    const wrong = JSON.stringify({ parts: [{ partNumber: 1, etag: 'a'.repeat(32) }] })
    await expectError(await post(`/uploads/${id}/complete`, wrong), 400, 'InvalidPart')
    const aborted = await fetch(`${djangoUrl}/s3/uploads/${id}`, {
      method: 'DELETE',
      headers: { cookie: `csrftoken=${token}`, 'x-csrftoken': token },
    })
    expect(aborted.status).toBe(204)
    // Aborted: RGW says NoSuchKey, AWS NoSuchUpload; both are the protocol's 404.
    const listed = await fetch(`${djangoUrl}/s3/uploads/${id}/parts`)
    await expectError(listed, 404, 'not-found')
    await expectError(await fetch(`${djangoUrl}/s3/nowhere`), 404, 'not-found')
  })
})
