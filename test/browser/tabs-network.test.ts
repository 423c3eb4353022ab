/**
 * Cross-tab safety and network awareness in real Chromium, for every protocol: two tabs
 * of one browser on the same upload (Web Locks + BroadcastChannel), and the network going
 * away mid-upload (Playwright's `context.setOffline`, which also fires the browser's
 * offline/online events that `useOnline` hears). Each test uploads through the app page
 * pages/tabs.ts (UploadPlugin + <UploadProgress>, default wiring) and checks the stored
 * file byte for byte.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3Client } from '@aws-sdk/client-s3'
import { startReferenceServer } from '../../server/index'
import { createTusEndpoint } from '../../server/tus'
import { createS3Client, createS3SigningHandler } from '../../server/s3'
import { startLocalS3, type LocalS3 } from '../../server/s3-local'
import {
  launchChromium,
  md5OfFile,
  randomFile,
  startPageServer,
  type BrowserSession,
} from './harness'
import type { TabsStart, TabsState } from './pages/tabs'
import { first, reasonOf, stateOf, tabsCall, waitFor } from './tabs-client'
import { MiB } from '../fakes/files'
import { throttle } from './rig'

const SIZE = 32 * MiB
const CHUNK = 8 * MiB
/** Slow enough that one upload lasts several seconds. */
const THROTTLE_BYTES_PER_SECOND = 4 * MiB

async function openTab(
  chromium: BrowserSession,
  pagesUrl: string,
  filePath: string,
  start: TabsStart,
) {
  const page = await chromium.newPage()
  await page.goto(`${pagesUrl}/tabs.html`)
  await page.waitForFunction(() => (window as unknown as { tabs?: unknown }).tabs !== undefined)
  await page.setInputFiles('#file', filePath)
  await tabsCall(page, 'start', start)
  return page
}

interface Backend {
  readonly start: TabsStart
  /** Where the finished upload's bytes are stored. */
  stored(state: TabsState): string
  /** Whether a request URL goes to the upload backend (not the page server). */
  isUploadRequest(url: string): boolean
  close(): Promise<void>
}

type BackendFactory = (root: string) => Promise<Backend>

const http: BackendFactory = async (root) => {
  const server = await startReferenceServer({ root })
  return {
    start: { endpoint: server.httpUrl, protocol: 'http', chunkSize: CHUNK },
    stored: (state) => {
      const status = first(state).status
      return join(root, 'files', String(status.state === 'done' && status.result.data?.id))
    },
    isUploadRequest: (url) => url.startsWith(server.url),
    close: () => server.close(),
  }
}

const tus: BackendFactory = async (root) => {
  const endpoint = createTusEndpoint({ root: join(root, 'tus') })
  const server = await startReferenceServer({ root: join(root, 'http'), routes: [endpoint] })
  return {
    start: { endpoint: `${server.url}/tus`, protocol: 'tus', chunkSize: CHUNK },
    stored: (state) => {
      const status = first(state).status
      const location = status.state === 'done' ? status.result.location : undefined
      return join(root, 'tus', String(location).split('/').pop()!)
    },
    isUploadRequest: (url) => url.startsWith(server.url),
    close: () => server.close(),
  }
}

const s3: BackendFactory = async (root) => {
  const local: LocalS3 = await startLocalS3()
  const client: S3Client = createS3Client({
    endpoint: local.endpoint,
    region: local.region,
    credentials: local.credentials,
    forcePathStyle: true,
  })
  const server = await startReferenceServer({
    root,
    routes: [
      { basePath: '/s3', handler: createS3SigningHandler({ client, bucket: local.bucket }) },
    ],
  })
  return {
    start: { endpoint: `${server.url}/s3`, protocol: 's3', chunkSize: CHUNK, concurrency: 2 },
    stored: (state) => {
      const status = first(state).status
      const key = status.state === 'done' ? status.result.location : undefined
      return join(local.directory, local.bucket, `${String(key)}._S3rver_object`)
    },
    isUploadRequest: (url) => url.startsWith(server.url) || url.startsWith(local.endpoint),
    async close() {
      await server.close()
      client.destroy()
      await local.close()
    },
  }
}

describe.each([
  ['http', http],
  ['tus', tus],
  ['s3', s3],
] as const)('%s in real Chromium: tabs and network', (name, factory) => {
  let chromium: BrowserSession
  let pages: { url: string; close(): Promise<void> }
  let backend: Backend
  let root: string
  let source: { path: string; md5: string }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `vcu-tabs-${name}-`))
    ;[chromium, pages, backend, source] = await Promise.all([
      launchChromium(),
      startPageServer(),
      factory(root),
      randomFile(SIZE, 'vcu-tabs-32m.bin'),
    ])
  }, 120_000)

  afterAll(async () => {
    await Promise.allSettled([chromium?.close(), pages?.close(), backend?.close()])
    rmSync(root, { recursive: true, force: true })
  })

  it("two tabs on one upload: the second waits, shows the first one's progress, sends nothing, and takes over when it closes", async () => {
    const one = await openTab(chromium, pages.url, source.path, backend.start)
    await throttle(one, THROTTLE_BYTES_PER_SECOND)
    await tabsCall(one, 'add')
    await waitFor(one, 'first tab uploading', (s) => (first(s)?.bytesUploaded ?? 0) > 2 * MiB)

    const two = await openTab(chromium, pages.url, source.path, backend.start)
    const sentByTwo: string[] = []
    two.on('request', (request) => {
      if (backend.isUploadRequest(request.url()))
        sentByTwo.push(`${request.method()} ${request.url()}`)
    })
    await tabsCall(two, 'add')
    const waiting = await waitFor(
      two,
      'second tab waiting',
      (s) => reasonOf(s) === 'elsewhere' && s.elsewhere.length === 1 && (s.valueNow ?? 0) > 0,
    )
    expect(waiting.label).toBe('uploading in another tab')
    expect(waiting.elsewhere[0]).toMatchObject({
      name: 'vcu-tabs-32m.bin',
      size: SIZE,
      state: 'uploading',
    })
    // The other tab's progress moves on the waiting tab's bar.
    const later = await waitFor(
      two,
      'progress from the other tab',
      (s) => (s.valueNow ?? 0) > (waiting.valueNow ?? 0),
    )
    expect(reasonOf(later)).toBe('elsewhere')
    expect(sentByTwo).toEqual([])
    expect(stateOf(await tabsCall(one, 'state'))).toBe('uploading')

    const closedAt = Date.now()
    const atClose = (await tabsCall(two, 'state')).valueNow
    await one.close({ runBeforeUnload: false })
    const resumed = await waitFor(two, 'second tab sending', (s) =>
      ['uploading', 'completing', 'done'].includes(stateOf(s) ?? ''),
    )
    const takeoverMs = Date.now() - closedAt
    const done = await waitFor(two, 'second tab done', (s) => stateOf(s) === 'done', 180_000)
    expect(first(done).resumed).toBe(true)
    expect(first(done).bytesUploaded).toBe(SIZE)
    expect(done.elsewhere).toEqual([])
    expect(sentByTwo.length).toBeGreaterThan(0)
    expect(await md5OfFile(backend.stored(done))).toBe(source.md5)
    console.log(
      `${name} tabs: waiting tab showed ${atClose} % when the first closed, sending again ` +
        `${takeoverMs} ms later (first seen at ${(first(resumed).bytesUploaded / MiB).toFixed(1)} MiB), ` +
        `${(first(done).bytesResent / MiB).toFixed(1)} MiB re-sent`,
    )
    await two.close()
  }, 300_000)

  it('offline for a while mid-upload: pauses as offline, resumes by itself, byte-identical', async () => {
    const page = await openTab(chromium, pages.url, source.path, backend.start)
    await throttle(page, THROTTLE_BYTES_PER_SECOND)
    await tabsCall(page, 'add')
    await waitFor(page, 'uploading', (s) => (first(s)?.bytesUploaded ?? 0) > SIZE / 4)
    await page.context().setOffline(true)
    const offline = await waitFor(page, 'paused offline', (s) => reasonOf(s) === 'offline')
    expect(offline.online).toBe(false)
    expect(offline.label).toBe('offline, waiting for the network')
    // A while offline: nothing fails, nothing moves.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const still = await tabsCall(page, 'state')
    expect(reasonOf(still)).toBe('offline')
    await page.context().setOffline(false)
    const backAt = Date.now()
    await waitFor(page, 'sending again', (s) =>
      ['uploading', 'completing', 'done'].includes(stateOf(s) ?? ''),
    )
    const resumeMs = Date.now() - backAt
    const done = await waitFor(
      page,
      'done after coming back',
      (s) => stateOf(s) === 'done',
      180_000,
    )
    expect(first(done).bytesUploaded).toBe(SIZE)
    // Re-sent: at most what was in flight when the network went (one part per lane).
    const lanes = backend.start.concurrency ?? 1
    expect(first(done).bytesResent).toBeLessThanOrEqual(lanes * CHUNK)
    expect(await md5OfFile(backend.stored(done))).toBe(source.md5)
    console.log(
      `${name} offline: resumed ${resumeMs} ms after the network came back, ` +
        `${(first(done).bytesResent / MiB).toFixed(1)} MiB re-sent, ${first(done).retries} retries`,
    )
    await page.close()
  }, 300_000)
})
