import { createEmitter } from './emitter'
import { withAuthRefresh } from '../auth-refresh'
import { PAUSE_REASON, type UploadError } from '../errors'
import type { Job } from '../run/job'
import { setStatus, type FlowContext } from '../run/run-context'
import { createRecordWriter } from '../resume/record-writer'
import { createScheduler } from '../scheduling/scheduler'
import { createSnapshots } from '../status/snapshots'
import { createTabGuard } from '../pauses/cross-tab-guard'
import type { UploadEvents } from '../status/upload-state'
import { createPendingRecords } from '../resume/pending-records'
import { guardStore } from '../resume/guarded-store'
import type { Uploader, UploaderOptions } from './uploader-api'
import { resolveOptions } from './options'
import { createFileQueue } from './file-queue'
import { createIntake } from './intake'
import { createRestrictionState } from './restrictions'

/**
 * The engine: wires the one scheduler, the snapshots, the resume store and the tab guard
 * into the context every run shares, then hands files to the intake and the file queue.
 */
export function createUploader(options: UploaderOptions): Uploader {
  const { clock, concurrency, flowOptions, policy, tuner } = resolveOptions(options)
  const emitter = createEmitter<UploadEvents>((error) =>
    queueMicrotask(() => {
      throw error
    }),
  )
  const scheduler = createScheduler({
    concurrency,
    clock,
    retry: policy,
    // The snapshot's activeRequests follows requests ending too, not only job changes.
    onActiveChange: () => snapshots.touch(),
  })
  const jobs = new Map<string, Job>()
  /** What the browser says; the snapshot is also offline while the scheduler sees the link down. */
  const online = { value: true }
  const snapshots = createSnapshots({
    jobs,
    clock,
    online: {
      get value() {
        return online.value && !scheduler.linkDown
      },
    },
    elsewhere: () => tabs.elsewhere(),
    activeRequests: () => scheduler.active,
    intervalMs: options.progressIntervalMs ?? 100,
    emit: emitter.emit,
  })
  const warn = (error: UploadError) => emitter.emit('warning', { error })
  // A broken store (missing, blocked, full) warns once and leaves uploads going.
  const store =
    options.store &&
    guardStore(options.store, { clock, timeoutMs: options.storageTimeoutMs ?? 5000, warn })
  const tabs = createTabGuard({
    clock,
    locks: options.locks,
    peers: options.peers,
    jobs,
    setStatus: (job, status) => setStatus(ctx, job, status),
    emit: emitter.emit,
    snapshot: snapshots.of,
    changed: snapshots.changed,
    touch: snapshots.touch,
  })
  // Other tabs hear of this one's uploads whenever its snapshot changes (throttled there).
  const stopPublishing = snapshots.subscribe(() => tabs.publish())
  /** Aborted by destroy(): work no pause or cancel stops (a create sent, a reselect check). */
  const lifetime = new AbortController()
  // Every request of a run, parts and control requests alike, meets a 401 with refreshAuth.
  const transport = options.refreshAuth
    ? withAuthRefresh(options.transport, options.refreshAuth)
    : options.transport
  const ctx: FlowContext = {
    lifetime: lifetime.signal,
    protocol: options.protocol,
    transport,
    control: {
      request: (request) =>
        transport.request({ timeoutMs: flowOptions.requestTimeoutMs, ...request }),
    },
    clock,
    hasher: flowOptions.hashing ? options.hasher : undefined,
    store,
    scheduler,
    tuner,
    writer: createRecordWriter(store, warn),
    options: flowOptions,
    emit: emitter.emit,
    changed(job, kind) {
      snapshots.changed(job, kind)
      if (kind === 'state') intake.stateChanged(job)
    },
    snapshot: snapshots.of,
    tabs,
    beforeUpload: options.beforeUpload,
  }
  const queue = createFileQueue({ ctx, jobs, snapshots, emitter, online, concurrency, policy })
  const pending = createPendingRecords(ctx, jobs, warn)
  const restrictions = createRestrictionState(options)
  // Told of every state change by ctx.changed (no job changes state before this runs).
  const intake = createIntake({
    options,
    restrictions,
    ctx,
    jobs,
    snapshots,
    emitter,
    online,
    queue,
    pending,
  })

  return {
    pending: pending.list,
    discard: pending.discard,
    add: intake.add,
    resumeFrom: intake.resumeFrom,
    ...queue.verbs,
    getFile: (id) => jobs.get(id)?.file,
    getRestrictions: restrictions.get,
    setRestrictions(partial) {
      restrictions.set(partial)
      // Listeners (a dropzone's accept and hints) read them again.
      snapshots.touch()
    },
    getSnapshot: snapshots.current,
    subscribe: snapshots.subscribe,
    on: emitter.on,
    flush: () => ctx.writer.flush(),
    destroy() {
      lifetime.abort(PAUSE_REASON)
      queue.dispose()
      stopPublishing()
      tabs.dispose()
      scheduler.dispose()
      snapshots.dispose()
      emitter.clear()
    },
  }
}
