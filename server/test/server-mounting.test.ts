import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createReferenceServer, serve } from '../index'
import { CHUNK, startTestServer } from '../testing/harness'

describe('reference server: mounting', () => {
  it('dispatches other endpoints by path prefix beside the HTTP chunk routes', async () => {
    const server = await startTestServer({
      basePath: '/api/chunks/',
      routes: [{ basePath: '/echo', handler: async (r) => new Response(new URL(r.url).pathname) }],
    })
    try {
      expect(server.httpUrl).toBe(`${server.url}/api/chunks`)
      expect(await (await fetch(`${server.url}/echo/a/b`)).text()).toBe('/echo/a/b')
      const outside = await fetch(`${server.url}/echoes`)
      expect(outside.status).toBe(404)
      expect((await outside.json()).error.code).toBe('not-found')
      const created = await fetch(`${server.httpUrl}/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'a.bin', size: 1, chunkSize: CHUNK }),
      })
      expect(created.status).toBe(201)
      expect(
        (await fetch(`${server.url}/http/uploads`, { method: 'POST', body: '{}' })).status,
      ).toBe(404)
    } finally {
      await server.dispose()
    }
  })

  it('mounts through createReferenceServer + serve, and refuses requests once closed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vcu-mount-'))
    const reference = createReferenceServer({ root })
    const listening = await serve(reference.handler)
    try {
      const res = await fetch(`${listening.url}/http/uploads/${'A'.repeat(24)}`)
      expect(res.status).toBe(404)
      await reference.close()
      expect((await fetch(`${listening.url}/http/uploads/${'A'.repeat(24)}`)).status).toBe(503)
    } finally {
      await listening.close()
      await rm(root, { recursive: true, force: true })
    }
  })

  it('the CLI prints the listener URL and serves until SIGTERM', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vcu-cli-'))
    const cli = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--root', root],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    )
    try {
      const [line] = (await once(createInterface({ input: cli.stdout }), 'line')) as [string]
      expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${line}/http/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      })
      expect(res.status).toBe(400)
    } finally {
      const exited = new Promise((resolve) => cli.once('exit', resolve))
      cli.kill('SIGTERM')
      expect(await exited).toBe(0)
      await rm(root, { recursive: true, force: true })
    }
  })
})
