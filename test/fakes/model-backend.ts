import {
  abortError,
  UploadError,
  type AckedPart,
  type Clock,
  type CreateResult,
  type PartRequest,
  type ProtocolCapabilities,
  type RemoteRequest,
  type ServerState,
  type StreamRequest,
  type UploadProtocol,
  type UploadResult,
} from '../../src/core'

/**
 * What the server does with the next request it gets: answer normally, cut the body
 * half-way, refuse with a retryable status (409, 5xx, 429 + Retry-After), never answer
 * (stall), forget the upload (404 from then on), answer garbage, or throw a TypeError (a
 * bug in a protocol).
 */
export type Fault =
  'cut' | '409' | '503' | '429' | 'stall' | 'forget' | 'garbage' | 'type-error' | 'network'

export const FAULTS: readonly Fault[] = [
  'cut',
  '409',
  '503',
  '429',
  'stall',
  'forget',
  'garbage',
  'type-error',
  'network',
]

/** The error a fault ends in when it is not retryable; the model expects it on `error`. */
export const FATAL_CODE: Partial<Record<Fault, string>> = {
  garbage: 'protocol',
  'type-error': 'internal',
}

interface ServerUpload {
  readonly name: string
  readonly size: number
  /** Parts held whole, by index (parallel protocols). */
  readonly parts: Map<number, Uint8Array>
  /** Bytes held from the start (sequential protocols). */
  bytes: Uint8Array
  offset: number
  forgotten: boolean
  completed: Uint8Array | undefined
}

/** An operation the backend is serving, so the model can see what is in flight for whom. */
export interface InFlight {
  readonly name: string
  readonly kind: 'create' | 'status' | 'part' | 'stream' | 'complete' | 'abort' | 'claim'
  readonly signal: AbortSignal
}

export interface ModelBackendOptions {
  readonly clock: Clock
  /** Parallel parts keyed by index (S3, HTTP) or one offset (tus). */
  readonly sequential: boolean
  readonly stream: boolean
}

/**
 * An in-memory server behind the protocol port, in two shapes (parallel parts, or one
 * sequential offset keeping cut bodies, like tus), whose next answers a model-based test
 * scripts with `inject(fault)`. It keeps the real bytes, so a finished upload can be
 * compared with its file.
 */
export class ModelBackend implements UploadProtocol {
  readonly name = 'model'
  readonly endpoint = 'memory://model'
  readonly capabilities: ProtocolCapabilities
  readonly uploads = new Map<string, ServerUpload>()
  readonly inFlight = new Set<InFlight>()
  /** Requests per file name that reached the server. */
  readonly requests = new Map<string, number>()
  /** Failures the server caused, per file name (what retries may add up to). */
  readonly failures = new Map<string, number>()
  readonly uploadStream?: UploadProtocol['uploadStream']
  private faults: Fault[] = []
  private created = 0

  constructor(private readonly options: ModelBackendOptions) {
    this.capabilities = {
      minPartSize: 1,
      maxPartSize: 1 << 30,
      maxParts: 10_000,
      parallel: !options.sequential,
      keepsPartialBodies: options.sequential,
    }
    if (options.stream) this.uploadStream = (request) => this.stream(request)
  }

  inject(fault: Fault): void {
    this.faults.push(fault)
  }

  /** No more scripted faults: the end of a run lets every upload finish. */
  calm(): void {
    this.faults = []
  }

  async create(request: Parameters<UploadProtocol['create']>[0]): Promise<CreateResult> {
    return this.serve(request.file.name, 'create', request.signal, async (fault) => {
      this.applyCommon(fault, request.file.name)
      const id = `m${++this.created}`
      this.uploads.set(id, {
        name: request.file.name,
        size: request.file.size,
        parts: new Map(),
        bytes: new Uint8Array(0),
        offset: 0,
        forgotten: false,
        completed: undefined,
      })
      return { kind: 'created', remote: { id } }
    })
  }

  async status(request: RemoteRequest): Promise<ServerState> {
    const upload = this.find(request)
    return this.serve(upload?.name ?? '?', 'status', request.signal, async (fault) => {
      const held = this.held(request, fault)
      return this.options.sequential
        ? { parts: [], offset: held.offset }
        : { parts: [...held.parts].map(([index, b]) => ({ index, size: b.length })) }
    })
  }

  async uploadPart(request: PartRequest): Promise<AckedPart> {
    const upload = this.find(request)
    return this.serve(upload?.name ?? '?', 'part', request.signal, async (fault) => {
      const held = this.held(request, fault, true)
      const { part, start } = request
      const body = new Uint8Array(await request.body.arrayBuffer())
      if (request.signal.aborted) throw abortError(request.signal)
      if (this.options.sequential && start !== held.offset) {
        this.failed(held.name)
        throw new UploadError('server', 'Upload-Offset conflict', { status: 409 })
      }
      if (fault === 'cut') {
        const kept = Math.floor(body.length / 2)
        request.onProgress(kept)
        if (this.options.sequential) this.append(held, body.subarray(0, kept))
        this.failed(held.name)
        throw new UploadError('network', 'connection reset')
      }
      request.onProgress(body.length)
      if (this.options.sequential) this.append(held, body)
      else held.parts.set(part.index, body)
      return { index: part.index, size: part.end - part.start, etag: `"${part.index}"` }
    })
  }

  private async stream(request: StreamRequest): Promise<ServerState> {
    const upload = this.find(request)
    return this.serve(upload?.name ?? '?', 'stream', request.signal, async (fault) => {
      const held = this.held(request, fault, true)
      if (held.offset !== 0 || held.parts.size > 0) {
        this.failed(held.name)
        throw new UploadError('server', 'Upload-Offset conflict', { status: 409 })
      }
      const body = new Uint8Array(await request.body.arrayBuffer())
      if (request.signal.aborted) throw abortError(request.signal)
      const kept = fault === 'cut' ? Math.floor(body.length / 2) : body.length
      request.onProgress(kept)
      if (this.options.sequential) this.append(held, body.subarray(0, kept))
      else {
        // Whole parts only, as the HTTP stream route stores them.
        const { partSize, count } = request.plan
        for (let index = 0; index < count; index++) {
          const end = Math.min(body.length, (index + 1) * partSize)
          if (end <= kept) held.parts.set(index, body.slice(index * partSize, end))
        }
      }
      if (fault === 'cut') {
        this.failed(held.name)
        throw new UploadError('network', 'connection reset')
      }
      return this.options.sequential
        ? { parts: [], offset: held.offset }
        : { parts: [...held.parts].map(([index, b]) => ({ index, size: b.length })) }
    })
  }

  async complete(request: Parameters<UploadProtocol['complete']>[0]): Promise<UploadResult> {
    const upload = this.find(request)
    return this.serve(upload?.name ?? '?', 'complete', request.signal, async (fault) => {
      const held = this.held(request, fault)
      const file = new Uint8Array(held.size)
      if (this.options.sequential) {
        if (held.offset !== held.size) throw new UploadError('protocol', 'incomplete')
        file.set(held.bytes)
      } else {
        for (const { index } of request.parts) {
          const bytes = held.parts.get(index)
          if (!bytes) throw new UploadError('protocol', `part ${index} missing`)
          file.set(bytes, index * request.plan.partSize)
        }
      }
      held.completed = file
      return { size: held.size }
    })
  }

  async abort(request: RemoteRequest): Promise<void> {
    const upload = this.find(request)
    if (upload) upload.forgotten = true
  }

  /** The bytes the server assembled for a completed upload of this file name. */
  assembled(name: string): Uint8Array | undefined {
    let found: Uint8Array | undefined
    for (const upload of this.uploads.values()) {
      if (upload.name === name && upload.completed) found = upload.completed
    }
    return found
  }

  private find(request: RemoteRequest): ServerUpload | undefined {
    return this.uploads.get(String(request.remote.id))
  }

  private failed(name: string): void {
    this.failures.set(name, (this.failures.get(name) ?? 0) + 1)
  }

  private append(upload: ServerUpload, bytes: Uint8Array): void {
    const next = new Uint8Array(upload.offset + bytes.length)
    next.set(upload.bytes.subarray(0, upload.offset))
    next.set(bytes, upload.offset)
    upload.bytes = next
    upload.offset = next.length
  }

  /** The upload a request is about, after the faults every request can meet. */
  private held(request: RemoteRequest, fault: Fault | undefined, body = false): ServerUpload {
    const upload = this.find(request)
    if (upload && fault === 'forget') upload.forgotten = true
    if (!upload || upload.forgotten) {
      if (upload) this.failed(upload.name)
      throw new UploadError('not-found', 'unknown upload', { status: 404, retryable: false })
    }
    this.applyCommon(body && fault === 'cut' ? undefined : fault, upload.name)
    return upload
  }

  private applyCommon(fault: Fault | undefined, name: string): void {
    switch (fault) {
      case '409':
        this.failed(name)
        throw new UploadError('server', 'conflict', { status: 409, retryable: true })
      case '503':
        this.failed(name)
        throw new UploadError('server', 'unavailable', { status: 503 })
      case '429':
        this.failed(name)
        throw new UploadError('server', 'slow down', { status: 429, retryAfterMs: 2000 })
      case 'network':
        this.failed(name)
        throw new UploadError('network', 'connection reset')
      case 'garbage':
        this.failed(name)
        throw new UploadError('protocol', 'unreadable answer', { retryable: false })
      case 'type-error':
        this.failed(name)
        throw new TypeError("Cannot read properties of undefined (reading 'id')")
      default:
    }
  }

  /** Runs one request: takes the next fault, tracks it in flight, and may never answer. */
  private async serve<T>(
    name: string,
    kind: InFlight['kind'],
    signal: AbortSignal,
    answer: (fault: Fault | undefined) => Promise<T>,
  ): Promise<T> {
    if (signal.aborted) throw abortError(signal)
    this.requests.set(name, (this.requests.get(name) ?? 0) + 1)
    const fault = this.faults.shift()
    const op: InFlight = { name, kind, signal }
    this.inFlight.add(op)
    // A stall fails by the client's stall guard (or its timeout), not by an answer.
    if (fault === 'stall') this.failed(name)
    try {
      // A request takes a little fake time, so pauses and cancels can land mid-request.
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          cancel()
          reject(abortError(signal))
        }
        const cancel = this.options.clock.setTimeout(
          () => {
            signal.removeEventListener('abort', onAbort)
            resolve()
          },
          fault === 'stall' ? 10 * 60_000 : 5,
        )
        signal.addEventListener('abort', onAbort, { once: true })
      })
      return await answer(fault === 'stall' ? undefined : fault)
    } finally {
      this.inFlight.delete(op)
    }
  }
}
