/**
 * How files come in: `add` (checked against the restrictions and the files already
 * there, each refusal a typed error) and `resumeFrom` (a file picked again, checked
 * against its resume record before it is added).
 */
import { abortError, toUploadError, UploadError } from '../errors'
import type { createPendingRecords } from '../resume/pending-records'
import { checkAgainstRecord } from '../resume/reselect-check'
import { createJob, type Job } from '../run/job'
import type { FlowContext } from '../run/run-context'
import type { createSnapshots } from '../status/snapshots'
import type { UploadEvents, UploadSnapshot } from '../status/upload-state'
import type { FileInfo } from '../types'
import type { Emitter } from './emitter'
import type { FileQueue } from './file-queue'
import { asItems, duplicateError, isBlobLike, notAFile } from './input-checks'
import { createLiveUploads } from './live-uploads'
import { resolveMetadata, type UploadMetadata } from '../metadata'
import { runBeforeAdd } from '../hooks'
import { checkFile, type RestrictionState } from './restrictions'
import type { AddOptions, ResumeOutcome, UploaderOptions } from './uploader-api'

/** What the intake shares with the rest of the uploader. */
export interface IntakeDeps {
  readonly options: UploaderOptions
  readonly restrictions: Pick<RestrictionState, 'read'>
  readonly ctx: FlowContext
  readonly jobs: Map<string, Job>
  readonly snapshots: ReturnType<typeof createSnapshots>
  readonly emitter: Pick<Emitter<UploadEvents>, 'emit'>
  readonly online: { readonly value: boolean }
  readonly queue: Pick<FileQueue, 'pumpFiles' | 'pauseJob' | 'added'>
  readonly pending: ReturnType<typeof createPendingRecords>
}

let nextId = 0

function fileInfo(blob: Blob): FileInfo {
  const file = blob as Partial<File>
  const path = file.webkitRelativePath
  return {
    name: typeof file.name === 'string' ? file.name : 'blob',
    size: blob.size,
    type: blob.type,
    lastModified: typeof file.lastModified === 'number' ? file.lastModified : 0,
    ...(typeof path === 'string' && path !== '' ? { relativePath: path } : {}),
  }
}

/** `add` and `resumeFrom` of one uploader. */
export function createIntake(deps: IntakeDeps) {
  const { options, ctx, jobs, snapshots, emitter, online, pending } = deps
  const { clock, options: flowOptions } = ctx
  const { pumpFiles, pauseJob } = deps.queue
  const live = createLiveUploads(jobs)

  function add(
    files: Blob | Iterable<Blob> | ArrayLike<Blob>,
    addOptions: AddOptions = {},
    resumeOf?: Job['resumeOf'],
    knownHash?: string,
  ) {
    const added: UploadSnapshot[] = []
    const rejected: { file: FileInfo; error: UploadError }[] = []
    // Read once per add: every file of this call is checked against the same values.
    const limits = deps.restrictions.read()
    // The live uploads, this call's files included as they are added (`live-uploads.ts`).
    const { counted } = live
    for (const file of asItems(files)) {
      if (!isBlobLike(file)) {
        const refusal = notAFile(file)
        rejected.push(refusal)
        emitter.emit('file-rejected', refusal)
        continue
      }
      const info = fileInfo(file)
      // A failed upload may be added again (it resumes from its record); a live one may not.
      const error = live.holds(file, info)
        ? duplicateError(info)
        : limits instanceof UploadError
          ? limits
          : checkFile(info, limits, counted)
      if (error) {
        rejected.push({ file: info, error })
        emitter.emit('file-rejected', { file: info, error })
        continue
      }
      const hooked = runBeforeAdd(options.beforeAdd, info, { blob: file, liveCount: counted.files })
      if (hooked.error) {
        const refusal = { file: info, error: hooked.error }
        rejected.push(refusal)
        emitter.emit('file-rejected', refusal)
        continue
      }
      let metadata: UploadMetadata
      try {
        // A file picked again for a record is sent with the record's metadata only: it is
        // what the server upload was created with.
        const sources =
          resumeOf && addOptions.metadata
            ? [addOptions.metadata]
            : [
                // The folder path first: the app's metadata may replace it.
                info.relativePath === undefined ? undefined : { relativePath: info.relativePath },
                options.metadata,
                addOptions.metadata,
                hooked.metadata,
              ]
        metadata = resolveMetadata(info, ...sources)
      } catch (problem) {
        const refusal = { file: info, error: toUploadError(problem, 'invalid-metadata') }
        rejected.push(refusal)
        emitter.emit('file-rejected', refusal)
        continue
      }
      const job = createJob(`u${++nextId}`, file, info, clock.now(), flowOptions.hashing)
      if (Object.keys(metadata).length > 0) job.metadata = metadata
      job.handle = addOptions.handles?.get(file)
      job.resumeOf = resumeOf
      // Hashed already to check the file against its record: not hashed a second time.
      if (knownHash && job.hash.status.state !== 'off') {
        job.hash.status = { state: 'done', bytes: info.size, value: knownHash }
      }
      if (options.autoStart === false) job.status = { state: 'idle' }
      jobs.set(job.id, job)
      deps.queue.added(job)
      live.sync(job)
      snapshots.changed(job, 'state')
      const snapshot = snapshots.of(job)
      added.push(snapshot)
      emitter.emit('file-added', { upload: snapshot })
    }
    if (!online.value) for (const job of jobs.values()) pauseJob(job, 'offline')
    pumpFiles()
    return { added, rejected }
  }

  async function resumeFrom(
    key: string,
    file: Blob,
    resumeOptions: { handle?: unknown } = {},
  ): Promise<ResumeOutcome> {
    const record = (await pending.read()).find((r) => r.key === key)
    if (!record || record.clearing) {
      return {
        error: new UploadError('not-found', 'No saved upload with this key', { retryable: false }),
      }
    }
    try {
      // The check may hash a large file: destroy() stops it.
      const { fingerprint, hash } = await checkAgainstRecord(
        file,
        fileInfo(file),
        record,
        ctx.hasher,
        ctx.lifetime,
      )
      if (ctx.lifetime.aborted) throw abortError(ctx.lifetime)
      const handle = resumeOptions.handle ?? record.handle
      const handles = handle === undefined ? undefined : new Map([[file, handle]])
      const result = add(file, { handles, metadata: record.metadata }, { key, fingerprint }, hash)
      if (result.rejected.length > 0) return { error: result.rejected[0].error }
      return { upload: result.added[0] }
    } catch (error) {
      return { error: toUploadError(error, 'file-unreadable') }
    }
  }

  return {
    add: (files: Blob | Iterable<Blob> | ArrayLike<Blob>, addOptions?: AddOptions) =>
      add(files, addOptions),
    resumeFrom,
    /** Called on every state change of an upload (the uploader's `changed`). */
    stateChanged: live.sync,
  }
}
