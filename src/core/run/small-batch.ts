/**
 * Small files together: where the protocol has `uploadSmallBatch`, small files of at most
 * `SMALL_BATCH_LIMITS.fileBytes` are sent several to a request. A request costs the page and
 * the server far more than 100 KB of bytes do (docs/performance.md, "Small files
 * together"), so one request per file leaves a folder of photos request-bound.
 *
 * Each file still has its own run (status, hash, pause, cancel); its run hands the file here
 * and waits. Files wait in one list; one batch at a time waits for a lane of the scheduler,
 * and when it gets one it takes what is waiting then (up to the limits), so batches fill
 * while the lanes are busy and go at once when they are idle. A batch is retried whole. When
 * one of its files is paused or canceled, the request is cut and the others go again in the
 * next batch (a small file costs little to send again, and a cut request leaves nothing on
 * the server). A file the server refused on its own fails with that answer, or, when the
 * answer is retryable, is sent again on its own (`small-file.ts`).
 */
import { abortError, toUploadError, UploadError } from '../errors'
import type { UploadResult } from '../types'
import { dropRequest, reportLoaded } from '../status/progress'
import type { Job } from './job'
import type { FlowContext } from './run-context'
import { onRetry, orFileProblem } from './send-parts'
import { withStallGuard } from './stall-guard'

/** The key a small file's one request reports its bytes under (parts use their index, the stream -1). */
export const SMALL_KEY = -2

/**
 * Which files are sent together, and how many: a file of at most `fileBytes`, up to `files`
 * files and `bytes` bytes a request (a batch of one larger file is fine: it is alone).
 */
export const SMALL_BATCH_LIMITS = Object.freeze({
  fileBytes: 1024 * 1024,
  files: 16,
  bytes: 4 * 1024 * 1024,
})

/** A file's batch outcome: the server's result, or `'alone'`: send it on its own. */
export type BatchOutcome = UploadResult | 'alone'

interface Member {
  readonly job: Job
  readonly md5: string | undefined
  readonly signal: AbortSignal
  /** Set while the member's batch is taken (waiting to retry or on the wire). */
  batch: AbortController | undefined
  /** Bytes of the member last reported. */
  loaded: number
  settle(outcome: BatchOutcome | UploadError): void
}

interface Batcher {
  /** The server has no batch route: files go alone from now on. */
  absent: boolean
  send(job: Job, md5: string | undefined, signal: AbortSignal): Promise<BatchOutcome>
}

const batchers = new WeakMap<FlowContext, Batcher>()

function batcherOf(ctx: FlowContext): Batcher {
  let batcher = batchers.get(ctx)
  if (!batcher) batchers.set(ctx, (batcher = createBatcher(ctx)))
  return batcher
}

/** Whether `job`, on the small-file path, is sent together with others. */
export function joinsBatches(ctx: FlowContext, job: Job): boolean {
  return (
    ctx.protocol.uploadSmallBatch !== undefined &&
    job.info.size <= SMALL_BATCH_LIMITS.fileBytes &&
    !batcherOf(ctx).absent
  )
}

/**
 * Sends `job`'s file in the next batch. Resolves with its result, or `'alone'` when it must
 * be sent on its own (no batch route, a retryable refusal of this file alone); rejects with
 * its own failure, or with the abort reason once `signal` aborts.
 */
export function sendInBatch(
  ctx: FlowContext,
  job: Job,
  md5: string | undefined,
  signal: AbortSignal,
): Promise<BatchOutcome> {
  return batcherOf(ctx).send(job, md5, signal)
}

function createBatcher(ctx: FlowContext): Batcher {
  const pending: Member[] = []
  /** A batch waits for a lane: files that come meanwhile join it. */
  let waiting = false

  function send(job: Job, md5: string | undefined, signal: AbortSignal): Promise<BatchOutcome> {
    if (batcher.absent) return Promise.resolve('alone')
    return new Promise<BatchOutcome>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal))
      const onAbort = () => {
        const at = pending.indexOf(member)
        if (at >= 0) pending.splice(at, 1)
        // Its batch is cut; the other files go again (`failed`).
        member.batch?.abort(abortError(signal))
        reject(abortError(signal))
      }
      const member: Member = {
        job,
        md5,
        signal,
        batch: undefined,
        loaded: 0,
        settle(outcome) {
          signal.removeEventListener('abort', onAbort)
          member.batch = undefined
          if (outcome instanceof UploadError) reject(outcome)
          else resolve(outcome)
        },
      }
      signal.addEventListener('abort', onAbort, { once: true })
      pending.push(member)
      flush()
    })
  }

  /** The next batch: files from the front of the list, within the limits. */
  function take(batch: AbortController): Member[] {
    const members: Member[] = []
    let bytes = 0
    while (pending.length > 0 && members.length < SMALL_BATCH_LIMITS.files) {
      const next = pending[0]
      if (members.length > 0 && bytes + next.job.info.size > SMALL_BATCH_LIMITS.bytes) break
      pending.shift()
      next.batch = batch
      bytes += next.job.info.size
      members.push(next)
    }
    return members
  }

  function flush(): void {
    if (waiting || pending.length === 0 || ctx.lifetime.aborted) return
    waiting = true
    const batch = new AbortController()
    let members: Member[] | undefined
    ctx.scheduler
      .run({
        owner: pending[0].job.id,
        signal: batch.signal,
        onRetry: (info) => {
          for (const { job } of members ?? []) onRetry(ctx, job)(info)
        },
        run: (attemptSignal) => {
          if (!members) {
            // A lane: this batch takes what waits now, and the next one starts waiting.
            members = take(batch)
            waiting = false
            flush()
          }
          return attempt(members, attemptSignal)
        },
      })
      .then(
        (answers) => settle(members ?? [], answers),
        (error: unknown) => failed(members ?? [], batch, error),
      )
  }

  async function attempt(members: Member[], signal: AbortSignal) {
    if (members.length === 0) return []
    // Bytes an earlier attempt had sent are sent again.
    for (const member of members) {
      dropRequest(member.job.counts, SMALL_KEY)
      member.loaded = 0
    }
    try {
      return await withStallGuard(ctx.clock, ctx.options.stallTimeoutMs, signal, (guarded, touch) =>
        ctx.protocol.uploadSmallBatch!({
          transport: ctx.transport,
          clock: ctx.clock,
          signal: guarded,
          files: members.map(({ job, md5 }) => ({
            file: job.info,
            body: job.file,
            metadata: job.metadata ?? {},
            ...(md5 === undefined ? {} : { md5 }),
          })),
          onProgress: (loaded) => {
            touch()
            if (!signal.aborted) shareOut(members, loaded)
          },
        }),
      )
    } catch (error) {
      if (signal.aborted) throw error
      for (const member of members) dropRequest(member.job.counts, SMALL_KEY)
      // A file the browser can no longer read fails on its own; the others are retried.
      for (const member of [...members]) {
        const problem = await orFileProblem(member.job, error)
        if (problem === error) continue
        members.splice(members.indexOf(member), 1)
        member.settle(toUploadError(problem))
      }
      throw error
    }
  }

  /** The bytes of the request so far, given to its files in body order. */
  function shareOut(members: readonly Member[], loaded: number): void {
    let start = 0
    for (const member of members) {
      const { size } = member.job.info
      const mine = Math.min(size, Math.max(0, loaded - start))
      start += size
      if (mine === member.loaded) continue
      member.loaded = mine
      reportLoaded(member.job.counts, SMALL_KEY, mine)
      ctx.changed(member.job, 'progress')
    }
  }

  function settle(
    members: readonly Member[],
    answers: readonly (UploadResult | UploadError)[] | undefined,
  ): void {
    if (answers === undefined) {
      // An older server: this batch's files, and every later one, go alone.
      batcher.absent = true
      for (const member of [...members, ...pending.splice(0)]) member.settle('alone')
      return
    }
    members.forEach((member, i) => {
      const answer = answers[i]
      // A retryable refusal of this file alone (a cap, no room now): the lone request has
      // the scheduler's retries and backoff.
      const outcome = answer instanceof UploadError && answer.retryable ? 'alone' : answer
      // One file's end (its status, events, the next file it starts) per task: a batch's
      // files all ending in one task would hold the main thread for tens of ms.
      if (i === 0) member.settle(outcome)
      else ctx.clock.setTimeout(() => member.settle(outcome), 0)
    })
  }

  function failed(members: readonly Member[], batch: AbortController, error: unknown): void {
    const left = members.filter((member) => !member.signal.aborted)
    if (batch.signal.aborted) {
      // Cut for a paused or canceled file: the others go again, first.
      for (const member of left) member.batch = undefined
      pending.unshift(...left)
      flush()
      return
    }
    const typed = toUploadError(error)
    // Refused as a whole for what it is (a body too large for a proxy, say): alone, each file
    // gets its own answer. Anything else (retries used up) is each file's failure.
    const refused = !typed.retryable && typed.status !== undefined && typed.status < 500
    if (typed.status === 413) batcher.absent = true
    for (const member of left) member.settle(refused ? 'alone' : typed)
  }

  const batcher: Batcher = { absent: false, send }
  return batcher
}
