/**
 * The engine's record of one upload (a job) and of its current run. The context every run
 * shares, and the functions that need it, are in `run-context.ts`: this file imports no
 * part of the engine, so the tab guard and the snapshots can read a job without a cycle.
 */
import type { PartDigests } from './part-digests'
import { createByteCounts, type ByteCounts, type Rate } from '../status/progress'
import type { HashStatus, UploadStatus } from '../status/upload-state'
import type { AckedPart, ChunkPlan, FileInfo, RemoteUpload } from '../types'

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
  /** The file as added, and its info: what a file added again is compared with. */
  readonly added: { readonly file: Blob; readonly info: FileInfo }
  /** What is sent: the added file, or the blob `beforeUpload` handed back instead. */
  file: Blob
  /** The file as shown and sent; its size and type are the replacing blob's, if any. */
  info: FileInfo
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
  /** What is sent with the upload when it is created (checked when the file was added). */
  metadata?: Readonly<Record<string, string>>
  /** Set when the file was checked against a pending record: resume that one, whatever the key. */
  resumeOf?: { readonly key: string; readonly fingerprint: string }
  /** The create request in flight (no pause cuts it): a later run waits for its answer. */
  creating?: Promise<unknown>
  /** `beforeUpload` ran to its end for this job: later runs (a resume) do not ask again. */
  beforeUploadDone?: boolean
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
  /**
   * Parts the server holds the start of, by index: bytes from the part's start (the part
   * the offset falls in for sequential protocols, cut chunks on HTTP).
   */
  readonly partial: Map<number, number>
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
    added: { file, info },
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

/** Time spent running so far: what durations report, without paused or offline time. */
export function activeTime(job: Job, now: number): number {
  const { stats } = job
  return stats.activeMs + (stats.runningSince === undefined ? 0 : now - stats.runningSince)
}
