/**
 * refreshAuth end to end from Node: the reference HTTP server behind a test auth check that
 * answers 401 to a stale token. The token expires mid-upload; the engine asks for a new
 * one once and the upload finishes under the same owner (the server's `owner` maps every
 * token of a user to that user, as apps with rotating tokens are told to do).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpProtocol } from '../../src/protocols/http'
import {
  createReferenceServer,
  serve,
  type Listening,
  type ReferenceServer,
} from '../../server/index'
import { finished, recordingTransport, testUploader } from '../fakes/engine-run'

describe('refreshAuth against the reference server', () => {
  let server: ReferenceServer
  let listening: Listening
  let root: string
  /** The one token the auth check accepts; the test rotates it. */
  let valid = 'Bearer alice-1'
  let accepted = 0
  const statuses: number[] = []

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vcu-auth-int-'))
    server = createReferenceServer({
      root,
      owner: (request) => (request.headers.get('authorization') ?? '').replace(/-\d+$/, ''),
    })
    await server.store.ready
    listening = await serve(async (request, context) => {
      if (request.headers.get('authorization') !== valid) {
        await request.arrayBuffer() // read the body, so the client is not cut off mid-send
        statuses.push(401)
        return new Response(JSON.stringify({ error: { code: 'unauthorized' } }), { status: 401 })
      }
      // The token expires after the create and the body.
      if (++accepted === 2) valid = 'Bearer alice-2'
      const response = await server.handler(request, context)
      statuses.push(response.status)
      return response
    })
  })
  afterAll(async () => {
    await listening?.close()
    await server?.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('a token that expires mid-upload is refreshed once and the upload finishes', async () => {
    let refreshes = 0
    const transport = recordingTransport()
    const uploader = testUploader(
      createHttpProtocol({
        endpoint: `${listening.url}/http`,
        headers: { authorization: 'Bearer alice-1' },
      }),
      transport,
      {
        chunkSize: 100_000,
        concurrency: 1,
        adaptive: false,
        refreshAuth: () => {
          refreshes += 1
          return Promise.resolve({ Authorization: 'Bearer alice-2' })
        },
      },
    )
    const done = finished(uploader)
    uploader.add(new File([new Uint8Array(300_000).fill(7)], 'a.bin'))
    const snapshot = await done
    uploader.destroy()
    expect(snapshot.status.state).toBe('done')
    expect(refreshes).toBe(1)
    expect(statuses.filter((status) => status === 401)).toHaveLength(1)
    // The create and the streamed body went with the old token; the complete met the 401
    // and was sent again, once, with the new one.
    expect(transport.log.map((line) => line.replace(/uploads\/[^/]+/, 'uploads/ID'))).toEqual([
      'POST /http/uploads',
      'PUT /http/uploads/ID/stream',
      'POST /http/uploads/ID/complete',
      'POST /http/uploads/ID/complete',
    ])
    expect(statuses).toEqual([201, 200, 401, 200])
  })
})
