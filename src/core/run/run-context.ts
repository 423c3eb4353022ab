/**
 * What every run shares (the context bag the uploader builds once), and the changes to a
 * job that go through it: its status (through the state machine) and its resume record.
 */
import type { Tuner } from '../scheduling/adaptive-tuner'
import type { RecordWriter } from '../resume/record-writer'
import type { Emitter } from '../uploader/emitter'
import type { Scheduler } from '../scheduling/scheduler'
import type { TabGuard } from '../pauses/cross-tab-guard'
import type { UploadEvents, UploadSnapshot, UploadStatus } from '../status/upload-state'
import { transition } from '../status/status-machine'
import {
  RESUME_RECORD_VERSION,
  type Clock,
  type Hasher,
  type ResumeRecord,
  type ResumeStore,
  type Transport,
  type UploadProtocol,
} from '../types'
import type { Job, ServerSide } from './job'
import type { BeforeUploadHook } from '../hooks'

/** Options the flow reads; resolved once by `createUploader`. */
export interface FlowOptions {
  readonly chunkSize: number
  /** Files of at most this size take the small-file path (`small-file.ts`); 0: never. */
  readonly smallFileThreshold: number
  readonly concurrency: number
  readonly stallTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly hashing: boolean
  readonly stream: boolean
  readonly resumeExpiryMs: number
}

/** What a flow needs from the uploader that runs it. */
export interface FlowContext {
  readonly protocol: UploadProtocol
  /** For part bodies: no overall timeout, stall detection guards them. */
  readonly transport: Transport
  /** For control requests: the same transport with `requestTimeoutMs` applied. */
  readonly control: Transport
  readonly clock: Clock
  readonly hasher: Hasher | undefined
  readonly store: ResumeStore | undefined
  readonly scheduler: Scheduler
  /** Lanes per file and the part size of new plans; fixed when `adaptive` is off. */
  readonly tuner: Tuner
  readonly writer: RecordWriter
  readonly options: FlowOptions
  readonly emit: Emitter<UploadEvents>['emit']
  /** The job changed; 'state' notifies at once, 'progress' at most every few frames. */
  readonly changed: (job: Job, kind: 'state' | 'progress') => void
  readonly snapshot: (job: Job) => UploadSnapshot
  /** Cross-tab lock and what other tabs are sending. */
  readonly tabs: TabGuard
  /**
   * Aborted by `destroy()`: for requests no pause or cancel may cut (a create already
   * sent, the delete of a canceled upload), which must still not outlive the uploader.
   */
  readonly lifetime: AbortSignal
  /** The app's hook run once per upload before its first byte (`before-upload.ts`). */
  readonly beforeUpload?: BeforeUploadHook
}

/** Every status change goes through the state machine's table (`status/status-machine.ts`). */
export function setStatus(ctx: Pick<FlowContext, 'changed'>, job: Job, status: UploadStatus): void {
  job.status = transition(job.status, status)
  ctx.changed(job, 'state')
}

export function toRecord(ctx: FlowContext, job: Job, server: ServerSide): ResumeRecord {
  const now = ctx.clock.now()
  return {
    v: RESUME_RECORD_VERSION,
    key: server.key,
    fingerprint: server.fingerprint,
    file: job.info,
    hash: job.hash.status.value,
    protocol: ctx.protocol.name,
    remote: server.remote,
    plan: server.plan,
    parts: [...server.acked.values()],
    createdAt: server.createdAt,
    updatedAt: now,
    expiresAt: now + ctx.options.resumeExpiryMs,
    ...(job.handle === undefined ? {} : { handle: job.handle }),
    ...(job.metadata === undefined ? {} : { metadata: job.metadata }),
  }
}

export function saveRecord(ctx: FlowContext, job: Job): void {
  const { server } = job
  if (server) ctx.writer.write(server.key, () => toRecord(ctx, job, server))
}
