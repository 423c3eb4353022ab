/**
 * The short soak, part of `npm test`: six uploads in real Chromium, two per protocol, each
 * protocol meeting two scripted faults through the fault proxy, with a page reload in the
 * middle. Every file must end byte-identical on its server, nothing unfinished may stay on
 * any server, and the page must see no uncaught error. `npm run soak` is the long one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RequestInfo } from '../fault-proxy'
import { KiB, MiB, type PlannedUpload } from '../soak/plan'
import { isPartPut, SoakRig } from '../soak/rig'
import { SoakSession } from '../soak/session'

const path = (request: RequestInfo) => request.url.split('?')[0]
const is = (method: string, pattern: RegExp) => (request: RequestInfo) =>
  request.method === method && pattern.test(path(request))

describe('short soak: each protocol under faults, with a reload', () => {
  let rig: SoakRig
  let session: SoakSession

  beforeAll(async () => {
    rig = new SoakRig({ seed: 7 })
    await rig.start()
    session = new SoakSession(rig, 7)
    await session.open()
  })

  afterAll(async () => {
    await session?.close()
    await rig?.close()
  })

  it('ends every upload byte-identical and leaves nothing unfinished on any server', async () => {
    const app = rig.appProxy.scenario
    // HTTP chunk protocol: the whole-file stream is cut halfway; a create answers 503.
    app.script({ kind: 'cut', fraction: 0.5 }, is('PUT', /^\/http\/uploads\/[^/]+\/stream$/))
    app.script({ kind: '503' }, is('POST', /^\/http\/uploads$/))
    // tus: a PATCH stalls (taken, never answered); a creation answers 429 with Retry-After.
    app.script({ kind: 'stall' }, is('PATCH', /^\/tus\/[^/]+$/))
    app.script({ kind: '429', retryAfterS: 1 }, is('POST', /^\/tus\/?$/))
    // S3: a part URL looks expired; the signer (behind its gateway) answers 502 once.
    rig.s3Proxy.scenario.script({ kind: 'expired' }, isPartPut)
    app.script({ kind: '502' }, is('POST', /^\/s3\/uploads\/[^/]+\/parts\/\d+$/))

    const uploads: PlannedUpload[] = [
      { index: 0, name: 'vcu-short-soak-0.bin', protocol: 'http', size: 0 },
      { index: 1, name: 'vcu-short-soak-1.bin', protocol: 'http', size: 24 * MiB },
      { index: 2, name: 'vcu-short-soak-2.bin', protocol: 'tus', size: 1 * MiB },
      { index: 3, name: 'vcu-short-soak-3.bin', protocol: 'tus', size: 24 * MiB },
      { index: 4, name: 'vcu-short-soak-4.bin', protocol: 's3', size: 300 * KiB },
      { index: 5, name: 'vcu-short-soak-5.bin', protocol: 's3', size: 24 * MiB },
    ]
    await session.runBatch({ uploads, reloadAfterMs: 2500 }, 120_000)
    const figures = await session.finish()

    expect(figures.failures).toEqual([])
    expect(figures.pageErrors).toEqual([])
    expect(figures.completed).toBe(6)
    expect(figures.uploads).toMatchObject({
      http: { completed: 2 },
      tus: { completed: 2 },
      s3: { completed: 2 },
    })
    // Every scripted fault met a request (and the uploads got past them).
    expect(figures.faults).toMatchObject({
      cut: 1,
      '503': 1,
      stall: 1,
      '429': 1,
      expired: 1,
      '502': 1,
    })
    // The reload came while the stalled tus upload was still waiting: it resumed.
    expect(figures.reloads).toBe(1)
    expect(figures.resumes).toBeGreaterThanOrEqual(1)
    expect(figures.resumeRecordsLeft).toBe(0)
    expect(figures.leftovers).toEqual({ http: [], tus: [], s3: [] })
    expect(figures.ok).toBe(true)
  })

  it('its leftover check sees an unfinished upload on each server', async () => {
    const { http, tus, s3 } = rig.endpoints
    const json = { 'content-type': 'application/json' }
    const created = await Promise.all([
      fetch(`${http}/uploads`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          name: 'left.bin',
          size: 10,
          type: 'application/octet-stream',
          lastModified: 0,
          chunkSize: 256 * KiB,
          fingerprint: 'f'.repeat(32),
        }),
      }),
      fetch(tus, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } }),
      fetch(`${s3}/uploads`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'left.bin', size: 10 }),
      }),
    ])
    expect(created.map((answer) => answer.status)).toEqual([201, 201, 201])
    const left = await rig.leftovers()
    expect([left.http.length, left.tus.length, left.s3.length]).toEqual([1, 1, 1])
  })
})
