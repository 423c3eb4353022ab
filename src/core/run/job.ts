import type { Tuner } from '../scheduling/adaptive-tuner'
import type { PartDigests } from './part-digests'
import type { RecordWriter } from '../resume/record-writer'
import type { Emitter } from '../uploader/emitter'
import { createByteCounts, type ByteCounts, type Rate } from '../status/progress'
import type { Scheduler } from '../scheduling/scheduler'
import type { TabGuard } from '../pauses/cross-tab-guard'
import type { HashStatus, UploadEvents, UploadSnapshot, UploadStatus } from '../status/upload-state'
import { transition } from '../status/status-machine'
import {
  RESUME_RECORD_VERSION,
  type AckedPart,
  type ChunkPlan,
  type Clock,
  type FileInfo,
  type Hasher,
  type RemoteUpload,
  type ResumeRecord,
  type ResumeStore,
  type Transport,
  type UploadProtocol,
} from '../types'

/** Options the flow reads; resolved once by `createUploader`. */
export interface FlowOptions {
  readonly chunkSize: number
  readonly concurrency: number
  readonly stallTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly hashing: boolean
  readonly stream: boolean
  readonly resumeExpiryMs: number
  readonly metadata: (file: FileInfo) => Record<string, string>
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
}

/** One run of a job: a pause or cancel aborts it and a resume starts a new one. */
export interface Run {
  readonly controller: AbortController
  readonly signal: AbortSignal
  /**
   * Set once this run may send (it holds the cross-tab lock, or there is none to take);
   * releases the lock. Called when the run ends or is halted; calling it again is harmless.
   */
  release?: () => void
}

/** The engine's mutable record of one upload. Only the flow and the uploader touch it. */
export interface Job {
  readonly id: string
  readonly file: Blob
  readonly info: FileInfo
  status: UploadStatus
  counts: ByteCounts
  rate: Rate | undefined
  run: Run | undefined
  server: ServerSide | undefined
  /** The resume key, once the file is identified; also the cross-tab lock's name. */
  key: string | undefined
  hash: HashJob
  stats: JobStats
  /** How to reach the file again in a later visit (a File System Access handle), kept in the record. */
  handle?: unknown
  /** Set when the file was checked against a pending record: resume that one, whatever the key. */
  resumeOf?: { readonly key: string; readonly fingerprint: string }
  /** The create request in flight (no pause cuts it): a later run waits for its answer. */
  creating?: Promise<unknown>
  /** Part MD5s hashed ahead, for protocols with per-part checksums; one per run. */
  digests: PartDigests | undefined
}

/** What the server side of a job is, once created or found. */
export interface ServerSide {
  readonly key: string
  readonly fingerprint: string
  readonly remote: RemoteUpload
  readonly plan: ChunkPlan
  readonly createdAt: number
  readonly acked: Map<number, AckedPart>
  /** Sequential protocols: bytes past the last whole part that the server holds. */
  partialBytes: number
}

export interface HashJob {
  status: HashStatus
  promise: Promise<string | undefined> | undefined
  controller: AbortController | undefined
}

export interface JobStats {
  retries: number
  resumed: boolean
  /** The server forgot the upload and it started over from byte 0 (shown progress reset). */
  restarted: boolean
  /** Time spent in finished runs; with `runningSince`, the duration without pauses. */
  activeMs: number
  runningSince: number | undefined
  readonly addedAt: number
  startedAt: number | undefined
  finishedAt: number | undefined
}

export function createJob(
  id: string,
  file: Blob,
  info: FileInfo,
  now: number,
  hashing: boolean,
): Job {
  return {
    id,
    file,
    info,
    status: { state: 'queued' },
    counts: createByteCounts(),
    rate: undefined,
    run: undefined,
    server: undefined,
    key: undefined,
    hash: {
      status: { state: hashing ? 'idle' : 'off', bytes: 0 },
      promise: undefined,
      controller: undefined,
    },
    stats: {
      retries: 0,
      resumed: false,
      restarted: false,
      activeMs: 0,
      runningSince: undefined,
      addedAt: now,
      startedAt: undefined,
      finishedAt: undefined,
    },
    digests: undefined,
  }
}

/** Every status change goes through the state machine's table (`status/status-machine.ts`). */
export function setStatus(ctx: Pick<FlowContext, 'changed'>, job: Job, status: UploadStatus): void {
  job.status = transition(job.status, status)
  ctx.changed(job, 'state')
}

/** Time spent running so far: what durations report, without paused or offline time. */
export function activeTime(job: Job, now: number): number {
  const { stats } = job
  return stats.activeMs + (stats.runningSince === undefined ? 0 : now - stats.runningSince)
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
  }
}

export function saveRecord(ctx: FlowContext, job: Job): void {
  const { server } = job
  if (server) ctx.writer.write(server.key, () => toRecord(ctx, job, server))
}
