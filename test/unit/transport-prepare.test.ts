/**
 * `Transport.prepare`: the engine calls it as each upload starts, before any request, so
 * the axios transport imports axios while the file is identified instead of in front of the
 * first request (after a page reload, the status request of a resumed upload).
 */
import { describe, expect, it, vi } from 'vitest'
import { withAuthRefresh } from '../../src/core/auth-refresh'
import type { HttpRequest, HttpResponse } from '../../src/core/types'
import { createAxiosTransport } from '../../src/transport'
import { scriptedTusEngine, TUS_HEADERS } from '../fakes/engine'
import { settle } from '../fakes/fake-clock'
import { fileOf } from '../fakes/files'
import { ScriptedTransport } from '../fakes/scripted-transport'

const imports = vi.hoisted(() => ({ axios: 0 }))
vi.mock('axios', async (importOriginal) => {
  imports.axios++
  return importOriginal()
})

describe('Transport.prepare', () => {
  it('the axios transport imports axios on prepare(), before any request', async () => {
    const transport = createAxiosTransport()
    await settle()
    expect(imports.axios).toBe(0)
    transport.prepare?.()
    await vi.waitFor(() => expect(imports.axios).toBe(1))
  })

  it('withAuthRefresh passes prepare() on to the transport it wraps', () => {
    const inner = { request: vi.fn<(r: HttpRequest) => Promise<HttpResponse>>(), prepare: vi.fn() }
    withAuthRefresh(inner, () => Promise.resolve({})).prepare?.()
    expect(inner.prepare).toHaveBeenCalledOnce()
    expect(inner.request).not.toHaveBeenCalled()
  })

  it('the engine calls prepare() as each upload starts, before its first request', async () => {
    const log: string[] = []
    class Logged extends ScriptedTransport {
      prepare() {
        log.push('prepare')
      }
      override request(request: HttpRequest) {
        log.push(request.method)
        return super.request(request)
      }
    }
    const { uploader, transport } = scriptedTusEngine({ transport: new Logged() })
    uploader.add(fileOf(10))
    ;(await transport.next()).respond({
      status: 204,
      headers: { ...TUS_HEADERS, 'tus-extension': 'creation' },
    })
    await settle()
    expect(log.slice(0, 2)).toEqual(['prepare', 'OPTIONS'])
  })

  it('an upload still starts when a transport prepare() throws', async () => {
    class Broken extends ScriptedTransport {
      prepare() {
        throw new Error('broken prepare')
      }
    }
    const { uploader, transport } = scriptedTusEngine({ transport: new Broken() })
    uploader.add(fileOf(10))
    expect((await transport.next()).method).toBe('OPTIONS')
  })
})
