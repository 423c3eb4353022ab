/**
 * The browser path: axios's XHR adapter, driven against a scripted XMLHttpRequest so the test
 * sees exactly what reaches `send()` and `setRequestHeader()`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UploadError } from '../../src/core/errors'
import type { HttpRequest } from '../../src/core/types'
import { createAxiosTransport } from '../../src/transport'

type Listener = (event: unknown) => void

class ListenerSet {
  private readonly listeners = new Map<string, Set<Listener>>()
  addEventListener(type: string, listener: Listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set())
    this.listeners.get(type)!.add(listener)
  }
  removeEventListener(type: string, listener: Listener) {
    this.listeners.get(type)?.delete(listener)
  }
  emit(type: string, event: unknown) {
    for (const listener of this.listeners.get(type) ?? []) listener(event)
  }
}

class ScriptedXhr extends ListenerSet {
  static sent: ScriptedXhr[] = []
  readyState = 0
  status = 0
  statusText = ''
  responseText = ''
  response: unknown = ''
  responseURL = ''
  responseType = ''
  timeout = 0
  withCredentials = false
  onloadend: (() => void) | null = null
  onabort: (() => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  ontimeout: (() => void) | null = null
  readonly upload = new ListenerSet()
  method = ''
  url = ''
  readonly headers: Record<string, string> = {}
  body: unknown
  aborted = false
  private responseHeaders = ''

  open(method: string, url: string) {
    this.method = method
    this.url = url
    this.readyState = 1
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value
  }
  send(body: unknown) {
    this.body = body
    ScriptedXhr.sent.push(this)
  }
  abort() {
    this.aborted = true
  }
  getAllResponseHeaders() {
    return this.responseHeaders
  }

  uploadProgress(loaded: number, total: number) {
    this.upload.emit('progress', { loaded, total, lengthComputable: true })
  }
  respond(status: number, body: string, headers: string) {
    this.upload.emit('loadend', { loaded: 0, total: 0, lengthComputable: false })
    this.status = status
    this.responseText = body
    this.response = body
    this.responseHeaders = headers
    this.readyState = 4
    this.onloadend?.()
  }
}

async function nextSent(): Promise<ScriptedXhr> {
  return vi.waitFor(() => {
    const xhr = ScriptedXhr.sent.shift()
    if (!xhr) throw new Error('nothing sent yet')
    return xhr
  })
}

const transport = createAxiosTransport()
const send = (init: Partial<HttpRequest>) =>
  transport.request({
    method: 'PUT',
    url: 'https://uploads.example/part',
    signal: new AbortController().signal,
    ...init,
  })

beforeEach(() => {
  ScriptedXhr.sent = []
  vi.stubGlobal('XMLHttpRequest', ScriptedXhr)
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('createAxiosTransport (XHR adapter)', () => {
  it('hands the very File to XHR with the Content-Type from the request', async () => {
    const file = new File(['0123456789'], 'movie.mp4', { type: 'video/mp4' })
    const response = send({
      method: 'PATCH',
      body: file,
      headers: { 'Content-Type': 'application/offset+octet-stream', 'Tus-Resumable': '1.0.0' },
    })
    const xhr = await nextSent()
    expect(xhr.body).toBe(file)
    expect(xhr.method).toBe('PATCH')
    expect(xhr.headers['content-type']).toBe('application/offset+octet-stream')
    expect(xhr.headers['tus-resumable']).toBe('1.0.0')
    xhr.respond(204, '', 'Upload-Offset: 10\r\n')
    await expect(response).resolves.toEqual({
      status: 204,
      headers: { 'upload-offset': '10' },
      body: '',
    })
  })

  it('defaults a Blob body to application/octet-stream and a string body to no Content-Type', async () => {
    const blob = new Blob(['abc'])
    const binary = send({ body: blob })
    const first = await nextSent()
    expect(first.body).toBe(blob)
    expect(first.headers['content-type']).toBe('application/octet-stream')
    first.respond(200, '', '')
    await binary

    const text = send({ method: 'POST', body: 'a=1' })
    const second = await nextSent()
    expect(second.body).toBe('a=1')
    expect(second.headers['content-type']).toBeUndefined()
    second.respond(200, '', '')
    await text
  })

  it('hands a FormData to XHR as it is, with no Content-Type (the browser sets it, with its boundary)', async () => {
    const form = new FormData()
    form.append('key', 'uploads/a.jpg')
    form.append('file', new Blob(['abc']), 'blob')
    const response = send({ method: 'POST', body: form })
    const xhr = await nextSent()
    expect(xhr.body).toBe(form)
    expect(xhr.headers['content-type']).toBeUndefined()
    xhr.respond(201, '<PostResponse/>', '')
    await expect(response).resolves.toMatchObject({ status: 201, body: '<PostResponse/>' })
  })

  it('returns statuses and text bodies as they are, with lower-case header names', async () => {
    const response = send({ method: 'GET' })
    const xhr = await nextSent()
    xhr.respond(
      503,
      '{"error":"busy"}',
      'Retry-After: 5\r\nX-Request-ID: abc\r\nContent-Type: application/json\r\n',
    )
    await expect(response).resolves.toEqual({
      status: 503,
      headers: { 'retry-after': '5', 'x-request-id': 'abc', 'content-type': 'application/json' },
      body: '{"error":"busy"}',
    })
  })

  it('forwards upload progress as cumulative loaded bytes', async () => {
    const seen: number[] = []
    const response = send({
      body: new Blob([new Uint8Array(1000)]),
      onUploadProgress: (n) => seen.push(n),
    })
    const xhr = await nextSent()
    xhr.uploadProgress(100, 1000)
    xhr.uploadProgress(600, 1000)
    xhr.uploadProgress(1000, 1000)
    xhr.respond(200, '', '')
    await response
    expect(seen[0]).toBe(100)
    expect(seen.at(-1)).toBe(1000)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen)
  })

  it('aborts the XHR and rejects with the reason on the signal', async () => {
    const controller = new AbortController()
    const response = send({ body: new Blob(['x']), signal: controller.signal })
    const xhr = await nextSent()
    const reason = new UploadError('offline', 'The network went away')
    controller.abort(reason)
    await expect(response).rejects.toBe(reason)
    expect(xhr.aborted).toBe(true)
  })

  it('passes the timeout to XHR and maps its expiry to a retryable timeout', async () => {
    const response = send({ method: 'POST', body: '{}', timeoutMs: 1500 })
    const xhr = await nextSent()
    expect(xhr.timeout).toBe(1500)
    xhr.ontimeout?.()
    await expect(response).rejects.toMatchObject({ code: 'timeout', retryable: true })
  })

  it('maps an XHR network error to a retryable network UploadError', async () => {
    const response = send({ method: 'GET' })
    const xhr = await nextSent()
    xhr.onerror?.({ type: 'error' })
    const error = await response.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UploadError)
    expect(error).toMatchObject({ code: 'network', retryable: true })
  })

  it('sets withCredentials when asked', async () => {
    const response = createAxiosTransport({ withCredentials: true }).request({
      method: 'GET',
      url: 'https://uploads.example/',
      signal: new AbortController().signal,
    })
    const xhr = await nextSent()
    expect(xhr.withCredentials).toBe(true)
    xhr.respond(200, '', '')
    await response
  })
})
