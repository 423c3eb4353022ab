import {
  abortError,
  UploadError,
  type AckedPart,
  type CreateRequest,
  type CreateResult,
  type ProtocolCapabilities,
  type ServerState,
  type UploadProtocol,
  type UploadResult,
} from '../../src/core'
import { Handoff } from './handoff'

export interface PartCall {
  readonly index: number
  readonly start: number
  readonly end: number
  readonly signal: AbortSignal
  readonly uploadId: string
  progress(loaded: number): void
  succeed(): void
  fail(error: UploadError): void
}

interface FakeUpload {
  readonly held: Map<number, AckedPart>
  offset: number
  aborted: boolean
  completed: boolean
}

export interface FakeProtocolOptions {
  readonly capabilities?: Partial<ProtocolCapabilities>
  /** Decides each part call; the default answers at once with progress at half and full. */
  readonly onPart?: (call: PartCall) => void
  readonly createResult?: (n: number) => CreateResult | undefined
  readonly completeResult?: (hash: string | undefined) => UploadResult
  readonly claimResult?: (hash: string) => UploadResult | undefined
}

/**
 * An in-memory backend behind the protocol port: it remembers which parts it holds per
 * upload, counts requests in flight, and lets a test decide how each part call ends.
 */
export class FakeProtocol implements UploadProtocol {
  readonly name = 'fake'
  readonly endpoint = 'memory://fake'
  readonly capabilities: ProtocolCapabilities
  readonly uploads = new Map<string, FakeUpload>()
  readonly calls: string[] = []
  inFlight = 0
  maxInFlight = 0
  private created = 0
  private parts = new Handoff<PartCall>()

  constructor(private readonly options: FakeProtocolOptions = {}) {
    this.capabilities = {
      minPartSize: 1,
      maxPartSize: 1 << 30,
      maxParts: 10_000,
      parallel: true,
      keepsPartialBodies: false,
      ...options.capabilities,
    }
  }

  async create(): Promise<CreateResult> {
    this.calls.push('create')
    const scripted = this.options.createResult?.(this.created)
    if (scripted) return scripted
    const id = `up${++this.created}`
    this.uploads.set(id, { held: new Map(), offset: 0, aborted: false, completed: false })
    return { kind: 'created', remote: { id } }
  }

  async status({ remote }: { remote: { readonly id?: unknown } }): Promise<ServerState> {
    this.calls.push('status')
    const upload = this.upload(remote)
    return this.capabilities.keepsPartialBodies
      ? { parts: [], offset: upload.offset }
      : { parts: [...upload.held.values()] }
  }

  uploadPart(request: Parameters<UploadProtocol['uploadPart']>[0]): Promise<AckedPart> {
    const { part, start, signal, remote } = request
    this.calls.push(`part:${part.index}`)
    const upload = this.upload(remote)
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    return new Promise<AckedPart>((resolve, reject) => {
      let done = false
      const end = (fn: () => void) => {
        if (done) return
        done = true
        this.inFlight--
        signal.removeEventListener('abort', onAbort)
        fn()
      }
      const onAbort = () => end(() => reject(abortError(signal)))
      signal.addEventListener('abort', onAbort)
      const call: PartCall = {
        index: part.index,
        start,
        end: part.end,
        signal,
        uploadId: String(remote.id),
        progress: (loaded) => {
          if (done) return
          request.onProgress(loaded)
          if (this.capabilities.keepsPartialBodies)
            upload.offset = Math.max(upload.offset, start + loaded)
        },
        succeed: () =>
          end(() => {
            const acked = {
              index: part.index,
              size: part.end - part.start,
              etag: `"e${part.index}"`,
            }
            upload.held.set(part.index, acked)
            upload.offset = Math.max(upload.offset, part.end)
            resolve(acked)
          }),
        fail: (error) => end(() => reject(error)),
      }
      if (signal.aborted) return onAbort()
      if (this.options.onPart) this.options.onPart(call)
      else this.parts.give(call)
    })
  }

  /** With no `onPart` option, part calls queue up here for the test to answer. */
  nextPart(): Promise<PartCall> {
    return this.parts.take()
  }

  async complete(request: Parameters<UploadProtocol['complete']>[0]): Promise<UploadResult> {
    this.calls.push('complete')
    const upload = this.upload(request.remote)
    upload.completed = true
    return (
      this.options.completeResult?.(request.hash) ?? { size: request.plan.size, hash: request.hash }
    )
  }

  async claim(request: { hash: string }): Promise<UploadResult | undefined> {
    this.calls.push('claim')
    return this.options.claimResult?.(request.hash)
  }

  async abort({ remote }: { remote: { readonly id?: unknown } }): Promise<void> {
    this.calls.push('abort')
    const upload = this.uploads.get(String(remote.id))
    if (upload) upload.aborted = true
  }

  private upload(remote: { readonly id?: unknown }): FakeUpload {
    const upload = this.uploads.get(String(remote.id))
    if (!upload)
      throw new UploadError('not-found', `unknown upload ${String(remote.id)}`, { status: 404 })
    return upload
  }
}

/** Answers every part at once: progress at half, then full, then success. */
export function autoSucceed(call: PartCall): void {
  queueMicrotask(() => {
    const length = call.end - call.start
    call.progress(Math.floor(length / 2))
    call.progress(length)
    call.succeed()
  })
}

/** A FakeProtocol that keeps the metadata each create was sent. */
export class MetadataProtocol extends FakeProtocol {
  readonly sent: Readonly<Record<string, string>>[] = []
  override create(request?: CreateRequest): Promise<CreateResult> {
    if (request) this.sent.push(request.metadata)
    return super.create()
  }
}
