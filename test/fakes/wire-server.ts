import { createHash } from 'node:crypto'
import {
  abortError,
  UploadError,
  type Clock,
  type HttpRequest,
  type HttpResponse,
  type Transport,
} from '../../src/core'
import type { Fault, InFlight } from './model-backend'

/**
 * In-memory servers for the HTTP chunk protocol and tus (creation, termination,
 * concatenation, checksum), answering the real protocol clients through the Transport
 * port, with the same scripted faults as `ModelBackend`. Every answer takes a little fake
 * time; a stall never answers. The bytes are kept, so a finished file can be compared.
 */
export type WireKind = 'http' | 'tus' | 'tus-concat' | 'tus-checksum'

interface Stored {
  name: string
  length: number
  bytes: Uint8Array
  offset: number
  /** HTTP chunks by index. */
  chunks: Map<number, Uint8Array>
  chunkSize: number
  partial: boolean
  forgotten: boolean
}

const json = (status: number, body: unknown): Partial<HttpResponse> => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

/** The manifest of a batch form. */
const batchManifest = (form: FormData) =>
  (JSON.parse(String(form.get('manifest'))) as { files: { name: string; size: number }[] }).files

/** `PUT …/uploads/batch` of the HTTP chunk protocol. */
const isBatch = (kind: WireKind, request: HttpRequest) =>
  kind === 'http' &&
  request.method === 'PUT' &&
  new URL(request.url).pathname.endsWith('/uploads/batch')

export class WireServer implements Transport {
  readonly endpoint: string
  readonly inFlight = new Set<InFlight>()
  readonly requests = new Map<string, number>()
  readonly failures = new Map<string, number>()
  private readonly uploads = new Map<string, Stored>()
  private readonly completed = new Map<string, Uint8Array>()
  private faults: Fault[] = []
  private next = 0

  constructor(
    readonly kind: WireKind,
    private readonly clock: Clock,
  ) {
    this.endpoint = kind === 'http' ? 'http://model.test/api' : 'http://model.test/files'
  }

  inject(fault: Fault): void {
    this.faults.push(fault)
  }

  calm(): void {
    this.faults = []
  }

  assembled(name: string): Uint8Array | undefined {
    return this.completed.get(name)
  }

  private failed(name: string): void {
    this.failures.set(name, (this.failures.get(name) ?? 0) + 1)
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const { signal } = request
    if (signal.aborted) throw abortError(signal)
    const route = this.route(request)
    // A batch of small files is in flight for each of its files.
    const names = (await this.batchNames(request)) ?? [route.name]
    for (const name of names) this.requests.set(name, (this.requests.get(name) ?? 0) + 1)
    const fault = this.faults.shift()
    const ops: InFlight[] = names.map((name) => ({ name, kind: route.kind, signal }))
    for (const op of ops) this.inFlight.add(op)
    if (fault) for (const name of names) this.failed(name)
    try {
      if (fault === 'stall') {
        // Never answers: the stall guard aborts a body, the control timeout the rest.
        await this.wait(request.timeoutMs || 3_600_000, signal)
        throw new UploadError('timeout', 'no answer')
      }
      await this.wait(5, signal)
      if (fault === 'type-error') throw new TypeError('transport bug')
      if (fault === 'network') throw new UploadError('network', 'connection reset')
      if (fault === 'forget' && route.id) {
        const stored = this.uploads.get(route.id)
        if (stored) stored.forgotten = true
      }
      const scripted = this.scripted(fault)
      if (scripted) return { status: 200, headers: {}, body: '', ...scripted }
      const body =
        request.body instanceof Blob
          ? new Uint8Array(await request.body.arrayBuffer())
          : typeof request.body === 'string'
            ? request.body
            : undefined
      if (signal.aborted) throw abortError(signal)
      const answer = await route.handle(body, fault === 'cut')
      return { status: 200, headers: {}, body: '', ...answer }
    } finally {
      for (const op of ops) this.inFlight.delete(op)
    }
  }

  /** The files of a `PUT /uploads/batch` (HTTP): its manifest's names. */
  private async batchNames(request: HttpRequest): Promise<string[] | undefined> {
    if (!isBatch(this.kind, request) || !(request.body instanceof FormData)) return undefined
    return batchManifest(request.body).map((file) => file.name)
  }

  /** The answers a fault gives instead of the handler's. */
  private scripted(fault: Fault | undefined): Partial<HttpResponse> | undefined {
    switch (fault) {
      case '409':
        return { status: 409 }
      case '503':
        return { status: 503 }
      case '429':
        return { status: 429, headers: { 'retry-after': '2' } }
      case 'garbage':
        return { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>' }
      default:
        return undefined
    }
  }

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        cancel()
        reject(abortError(signal))
      }
      const cancel = this.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  private route(request: HttpRequest): {
    name: string
    id?: string
    kind: InFlight['kind']
    handle: (body: Uint8Array | string | undefined, cut: boolean) => Promise<Partial<HttpResponse>>
  } {
    const url = new URL(request.url)
    return this.kind === 'http' ? this.httpRoute(request, url) : this.tusRoute(request, url)
  }

  private live(id: string | undefined): Stored | undefined {
    const stored = id === undefined ? undefined : this.uploads.get(id)
    return stored && !stored.forgotten ? stored : undefined
  }

  // ---------------------------------------------------------------- HTTP chunk protocol

  private httpRoute(request: HttpRequest, url: URL) {
    const [, , , id, action, index] = url.pathname.split('/') // /api/uploads/:id/:action/:i
    const stored = this.live(id)
    // PUT /uploads/batch: small files, each created and completed, in one data request.
    const batch = isBatch(this.kind, request)
    const name = batch
      ? 'batch'
      : id
        ? (this.uploads.get(id)?.name ?? '?')
        : this.createName(request)
    // PUT /uploads: a small file created and completed in one data request.
    const small = batch || (!id && request.method === 'PUT')
    const kind: InFlight['kind'] = small
      ? 'part'
      : !id
        ? 'create'
        : request.method === 'GET'
          ? 'status'
          : request.method === 'DELETE'
            ? 'abort'
            : action === 'complete'
              ? 'complete'
              : 'part'
    const received = (s: Stored) => {
      const ranges: [number, number][] = []
      for (const i of [...s.chunks.keys()].sort((a, b) => a - b)) {
        const last = ranges.at(-1)
        if (last && last[1] === i) last[1] = i + 1
        else ranges.push([i, i + 1])
      }
      return ranges
    }
    const handle = async (body: Uint8Array | string | undefined, cut: boolean) => {
      if (batch) {
        const form = request.body as FormData
        const files = batchManifest(form)
        const parts = form.getAll('file') as Blob[]
        const total = files.reduce((sum, file) => sum + file.size, 0)
        // Cut: nothing of a batch is kept (the reference server deletes what it stored).
        if (cut) {
          request.onUploadProgress?.(Math.floor(total / 2))
          for (const file of files) this.failed(file.name)
          throw new UploadError('network', 'connection reset')
        }
        request.onUploadProgress?.(total)
        const answers = await Promise.all(
          files.map(async (file, i) => {
            const own = new Uint8Array(await parts[i]!.arrayBuffer())
            this.completed.set(file.name, own)
            const hash = createHash('md5').update(own).digest('hex')
            return { status: 201, file: { size: own.length, hash } }
          }),
        )
        return json(200, { files: answers })
      }
      if (small) {
        const bytes = body as Uint8Array
        if (cut) return this.cut(request, bytes.length / 2, name)
        request.onUploadProgress?.(bytes.length)
        this.completed.set(name, bytes)
        const hash = createHash('md5').update(bytes).digest('hex')
        return json(201, { size: bytes.length, hash })
      }
      if (!id) {
        const meta = JSON.parse(String(body)) as { name: string; size: number; chunkSize: number }
        const newId = `upload${String(++this.next).padStart(12, '0')}`
        this.uploads.set(newId, this.blank(meta.name, meta.size, meta.chunkSize))
        return json(201, { id: newId })
      }
      if (!stored) {
        if (request.method === 'DELETE') return { status: 404 }
        this.failed(name)
        return json(404, { error: 'not-found' })
      }
      if (request.method === 'GET') return json(200, { received: received(stored) })
      if (request.method === 'DELETE') {
        stored.forgotten = true
        return { status: 204 }
      }
      if (action === 'chunks') {
        const bytes = body as Uint8Array
        if (cut) return this.cut(request, bytes.length / 2, name)
        request.onUploadProgress?.(bytes.length)
        stored.chunks.set(Number(index), bytes)
        return { status: 204 }
      }
      if (action === 'stream') {
        const bytes = body as Uint8Array
        const kept = cut ? Math.floor(bytes.length / 2) : bytes.length
        const count = Math.ceil(stored.length / stored.chunkSize)
        for (let i = 0; i < count; i++) {
          const end = Math.min(stored.length, (i + 1) * stored.chunkSize)
          if (end <= kept) stored.chunks.set(i, bytes.slice(i * stored.chunkSize, end))
        }
        if (cut) return this.cut(request, kept, name)
        request.onUploadProgress?.(bytes.length)
        return json(200, { received: received(stored) })
      }
      if (action === 'complete') {
        const file = new Uint8Array(stored.length)
        const count = Math.ceil(stored.length / stored.chunkSize)
        for (let i = 0; i < count; i++) {
          const chunk = stored.chunks.get(i)
          if (!chunk) return json(409, { error: 'incomplete' })
          file.set(chunk, i * stored.chunkSize)
        }
        this.completed.set(stored.name, file)
        const hash = createHash('md5').update(file).digest('hex')
        return json(200, { size: stored.length, hash })
      }
      if (action === 'instant') return json(200, { instant: false })
      return { status: 400 }
    }
    return { name, id, kind, handle }
  }

  private createName(request: HttpRequest): string {
    if (typeof request.body === 'string') {
      try {
        return (JSON.parse(request.body) as { name: string }).name
      } catch {
        return '?'
      }
    }
    const info = request.headers?.['upload-info']
    if (info) return (JSON.parse(decodeURIComponent(info)) as { name: string }).name
    const metadata = request.headers?.['upload-metadata'] ?? ''
    for (const entry of metadata.split(',')) {
      const [key, value] = entry.trim().split(' ')
      if (key === 'filename' && value) return Buffer.from(value, 'base64').toString('utf8')
    }
    return '?'
  }

  private blank(name: string, length: number, chunkSize = 1): Stored {
    return {
      name,
      length,
      bytes: new Uint8Array(0),
      offset: 0,
      chunks: new Map(),
      chunkSize,
      partial: false,
      forgotten: false,
    }
  }

  /** The body was cut after `loaded` bytes arrived. */
  private cut(request: HttpRequest, loaded: number, name: string): never {
    request.onUploadProgress?.(Math.floor(loaded))
    this.failed(name)
    throw new UploadError('network', 'connection reset')
  }

  // ---------------------------------------------------------------- tus

  private tusRoute(request: HttpRequest, url: URL) {
    const id = url.pathname.split('/')[2]
    const stored = this.live(id)
    const name = id ? (this.uploads.get(id)?.name ?? '?') : this.createName(request)
    const concat = request.headers?.['upload-concat']
    const kind: InFlight['kind'] =
      request.method === 'OPTIONS' || (request.method === 'POST' && concat === undefined)
        ? 'create'
        : request.method === 'HEAD'
          ? 'status'
          : request.method === 'DELETE'
            ? 'abort'
            : concat?.startsWith('final')
              ? 'complete'
              : 'part'
    const extensions = ['creation', 'termination']
    if (this.kind === 'tus-concat') extensions.push('concatenation')
    if (this.kind === 'tus-checksum') extensions.push('checksum')
    const base = { 'tus-resumable': '1.0.0' }
    const handle = async (body: Uint8Array | string | undefined, cut: boolean) => {
      if (request.method === 'OPTIONS') {
        return {
          status: 204,
          headers: {
            ...base,
            'tus-version': '1.0.0',
            'tus-extension': extensions.join(','),
            ...(this.kind === 'tus-checksum' ? { 'tus-checksum-algorithm': 'md5' } : {}),
          },
        }
      }
      if (request.method === 'POST') {
        if (concat?.startsWith('final')) {
          const parts = concat
            .slice('final;'.length)
            .split(' ')
            .map((ref) => this.live(ref.split('/').pop()))
          if (parts.some((p) => !p || p.offset !== p.length)) return { status: 400 }
          const file = new Uint8Array(parts.reduce((sum, p) => sum + p!.length, 0))
          let at = 0
          for (const p of parts) {
            file.set(p!.bytes.subarray(0, p!.length), at)
            at += p!.length
          }
          this.completed.set(this.createName(request), file)
          return {
            status: 201,
            headers: { ...base, location: `${this.endpoint}/final${++this.next}` },
          }
        }
        const length = Number(request.headers?.['upload-length'])
        const newId = `u${++this.next}`
        const upload = this.blank(name, length)
        upload.partial = concat === 'partial'
        upload.bytes = new Uint8Array(length)
        this.uploads.set(newId, upload)
        return { status: 201, headers: { ...base, location: `${this.endpoint}/${newId}` } }
      }
      if (!stored) {
        if (request.method === 'DELETE') return { status: 404 }
        this.failed(name)
        return { status: 404 }
      }
      if (request.method === 'HEAD') {
        return {
          status: 200,
          headers: {
            ...base,
            'upload-offset': String(stored.offset),
            'upload-length': String(stored.length),
          },
        }
      }
      if (request.method === 'DELETE') {
        stored.forgotten = true
        return { status: 204 }
      }
      // PATCH
      const offset = Number(request.headers?.['upload-offset'])
      if (offset !== stored.offset) {
        this.failed(name)
        return { status: 409 }
      }
      const bytes = body as Uint8Array
      const checksum = request.headers?.['upload-checksum']
      if (checksum && !cut) {
        const digest = createHash('md5').update(bytes).digest('base64')
        if (checksum !== `md5 ${digest}`) {
          this.failed(name)
          return { status: 460 }
        }
      }
      const kept = cut && !checksum ? Math.floor(bytes.length / 2) : cut ? 0 : bytes.length
      stored.bytes.set(bytes.subarray(0, kept), stored.offset)
      stored.offset += kept
      if (cut) return this.cut(request, kept, name)
      request.onUploadProgress?.(bytes.length)
      if (!stored.partial && stored.offset === stored.length) {
        this.completed.set(stored.name, stored.bytes.slice(0, stored.length))
      }
      return { status: 204, headers: { ...base, 'upload-offset': String(stored.offset) } }
    }
    return { name, id, kind, handle }
  }
}
