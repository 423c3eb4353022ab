import { abortRemote, askStatus, runControl } from './control-requests'
import { abortError, CANCEL_REASON, throwIfAborted, UploadError } from '../errors'
import { awaitHash, startHashing } from './full-hash'
import type { Job, ServerSide } from './job'
import { saveRecord, setStatus, type FlowContext } from './run-context'
import { isValidPlan, partLength, planChunks } from './part-plan'
import { prefetchMissing } from './part-digests'
import { createByteCounts, rawBytes, shownBytes } from '../status/progress'
import { isExpired } from '../resume/expired-records'
import type {
  AckedPart,
  ChunkPlan,
  ResumeRecord,
  ServerState,
  UploadProtocol,
  UploadResult,
} from '../types'

/**
 * The quick identity of a file, never waiting for the full hash: `content` (size and a
 * sampled MD5) is what a server may match duplicates by; the resume key adds the name,
 * type and date, so a record only comes back for what is very likely the same file.
 */
async function identify(ctx: FlowContext, job: Job, signal: AbortSignal) {
  const { name, size, lastModified, type } = job.info
  const sample = ctx.hasher
    ? await ctx.hasher.sample(job.file, {
        signal,
        onWarning: (error) => ctx.emit('warning', { error }),
      })
    : 'nosample'
  const content = `${size}:${sample}`
  const key = [resumeKeyPrefix(ctx.protocol), lastModified, type, name, content].join('|')
  return { content, key }
}

/** Every resume key of one protocol and endpoint starts with this. */
export function resumeKeyPrefix(protocol: Pick<UploadProtocol, 'name' | 'endpoint'>): string {
  return ['vcu', protocol.name, protocol.endpoint ?? ''].join('|')
}

async function readRecord(ctx: FlowContext, key: string): Promise<ResumeRecord | undefined> {
  if (!ctx.store) return undefined
  try {
    return await ctx.store.get(key)
  } catch (error) {
    ctx.emit('warning', {
      error: new UploadError('storage-unavailable', 'Resume data could not be read', {
        cause: error,
      }),
    })
    return undefined
  }
}

function usable(
  ctx: FlowContext,
  job: Job,
  record: ResumeRecord | undefined,
): record is ResumeRecord {
  return (
    record !== undefined &&
    record.protocol === ctx.protocol.name &&
    record.file.size === job.info.size &&
    record.file.name === job.info.name &&
    record.expiresAt > ctx.clock.now() &&
    isValidPlan(record.plan, job.info.size, ctx.protocol.capabilities)
  )
}

/**
 * Applies what the server says it holds. Its answer wins over anything local: parts it
 * does not list are sent again, malformed entries are ignored.
 */
export function reconcile(job: Job, server: ServerSide, state: ServerState): void {
  const { plan } = server
  server.acked.clear()
  for (const part of state.parts) {
    if (Number.isInteger(part.index) && part.index >= 0 && part.index < plan.count) {
      server.acked.set(part.index, { ...part, size: partLength(plan, part.index) })
    }
  }
  let acked = 0
  for (const part of server.acked.values()) acked += part.size
  server.partial.clear()
  if (state.offset !== undefined) {
    // Sequential protocols count bytes: whole parts below the offset are held, and the
    // part the offset falls in is held up to it.
    const whole = Math.min(plan.count, Math.floor(state.offset / plan.partSize))
    server.acked.clear()
    acked = 0
    for (let index = 0; index < whole; index++) {
      server.acked.set(index, { index, size: partLength(plan, index) })
      acked += partLength(plan, index)
    }
    const rest = Math.max(0, Math.min(state.offset, plan.size) - acked)
    if (rest > 0) server.partial.set(whole, rest)
  }
  for (const { index, bytes } of state.partial ?? []) {
    // Only a real prefix of a part not held whole; anything else is ignored.
    if (!Number.isInteger(index) || index < 0 || index >= plan.count) continue
    if (server.acked.has(index) || !Number.isInteger(bytes)) continue
    if (bytes > 0 && bytes < partLength(plan, index)) server.partial.set(index, bytes)
  }
  let partialBytes = 0
  for (const bytes of server.partial.values()) partialBytes += bytes
  // Bytes sent before that the server no longer holds were sent in vain: count them re-sent.
  const previous = job.counts
  const held = acked + partialBytes
  job.counts = createByteCounts(held)
  job.counts.resent = previous.resent + Math.max(0, rawBytes(previous) - held)
  job.counts.shown = previous.shown
  shownBytes(job.counts, job.info.size)
}

/** The server no longer has the upload: it expired or was deleted. */
export function isGone(error: unknown): boolean {
  return error instanceof UploadError && (error.code === 'not-found' || error.code === 'expired')
}

export type Connected =
  { kind: 'upload'; server: ServerSide } | { kind: 'done'; result: UploadResult }

/**
 * Finds the server-side upload for this job: the one this run already knows, a resume
 * record from an earlier visit (checked against the server), or a new one.
 */
export async function findOrCreate(
  ctx: FlowContext,
  job: Job,
  signal: AbortSignal,
): Promise<Connected> {
  const status = (server: ServerSide) => askStatus(ctx, job, server, signal)

  // A create sent by an earlier run (paused since) is still on its way: its answer is this
  // upload's, so wait for it rather than create a second upload on the server.
  if (job.creating) await settledOrAborted(job.creating, signal)

  if (job.server) {
    const known = job.server
    startHashing(ctx, job)
    await ctx.tabs.claim(job, known.key, signal)
    try {
      const asked = status(known)
      prepareFirstPart(ctx, job, known, signal)
      reconcile(job, known, await asked)
      job.stats.resumed = true
      return { kind: 'upload', server: known }
    } catch (error) {
      // Expired or deleted on the server since this page created it: start over. The one
      // time shown progress goes back: to 0, with `restarted` set so the UI can say why.
      if (!isGone(error)) throw error
      job.server = undefined
      job.counts = createByteCounts(0, job.counts.resent + rawBytes(job.counts))
      job.stats.restarted = true
      ctx.changed(job, 'state')
      await ctx.writer.delete(known.key)
    }
  }

  const { content: fingerprint, key } = job.resumeOf
    ? { content: job.resumeOf.fingerprint, key: job.resumeOf.key }
    : await identify(ctx, job, signal)
  // The full hash starts once the quick identity is known: its Worker's start-up and first
  // reads never compete with the sample the first byte waits for.
  startHashing(ctx, job)
  // Before the record is read: a tab that waited reads what the first tab saved.
  const { waited } = await ctx.tabs.claim(job, key, signal)
  const record = await readRecord(ctx, key)
  // An expired record still names an upload the server may hold: delete it there (best
  // effort, in the background) before this key's new record replaces it.
  if (record && isExpired(record, ctx.clock.now()) && record.protocol === ctx.protocol.name) {
    void abortRemote(ctx, `expired:${key}`, record, false).catch(() => {})
  }
  if (usable(ctx, job, record)) {
    const server: ServerSide = {
      key,
      fingerprint,
      remote: record.remote,
      plan: record.plan,
      createdAt: record.createdAt,
      // What the record lists, for the status request; the server's answer replaces it.
      acked: new Map(record.parts.map((part) => [part.index, part])),
      partial: new Map(),
    }
    prefetchParts(ctx, job, server.plan, server.acked)
    try {
      const asked = status(server)
      prepareFirstPart(ctx, job, server, signal)
      reconcile(job, server, await asked)
      job.server = server
      job.stats.resumed = true
      return { kind: 'upload', server }
    } catch (error) {
      // The server forgot it (expired, aborted elsewhere): start over, keep nothing stale.
      if (!isGone(error)) throw error
      await ctx.writer.delete(key)
    }
  } else if (record) {
    await ctx.writer.delete(key)
  }
  // The tab this one waited for finished the upload (and forgot its record): nothing to send.
  if (waited && (await ctx.tabs.finishedElsewhere(key, signal))) {
    return { kind: 'done', result: { size: job.info.size, instant: true } }
  }
  return create(ctx, job, signal, key, fingerprint)
}

async function create(
  ctx: FlowContext,
  job: Job,
  signal: AbortSignal,
  key: string,
  fingerprint: string,
): Promise<Connected> {
  const { protocol } = ctx
  const { capabilities } = protocol
  const partSize = ctx.tuner.partSize(ctx.options.chunkSize, capabilities.minPartSize)
  const plan = planChunks(job.info.size, partSize, capabilities)
  prefetchParts(ctx, job, plan, new Map())
  // Once a create is sent the server may make the upload whatever happens here, so a pause
  // or cancel does not cut it: no new attempt starts after one, and the answer is kept
  // (pause) or deleted (cancel) instead of being left on the server until it expires.
  const creating = runControl(ctx, job, ctx.lifetime, (c) => {
    throwIfAborted(signal)
    return protocol.create({
      ...c,
      file: job.info,
      fingerprint,
      hash: job.hash.status.value,
      plan,
      metadata: job.metadata ?? {},
    })
  })
  job.creating = creating
  let created: Awaited<typeof creating>
  try {
    created = await creating
  } finally {
    if (job.creating === creating) job.creating = undefined
  }
  if (created.kind === 'complete')
    return { kind: 'done', result: { ...created.result, instant: true } }
  const server: ServerSide = {
    key,
    fingerprint,
    remote: created.remote,
    plan,
    createdAt: ctx.clock.now(),
    acked: new Map<number, AckedPart>(),
    partial: new Map(),
  }
  if (signal.aborted && (signal.reason === CANCEL_REASON || job.status.state === 'canceled')) {
    await abortRemote(ctx, job.id, server).catch(() => {})
    throw abortError(signal)
  }
  job.server = server
  job.counts = createByteCounts(0, job.counts.resent)
  saveRecord(ctx, job)
  throwIfAborted(signal)
  if (created.duplicateCandidate && protocol.claim && job.hash.promise) {
    setStatus(ctx, job, { state: 'hashing' })
    const hash = await awaitHash(job, signal)
    if (hash) {
      const claimed = await runControl(ctx, job, signal, (c) =>
        protocol.claim!({ ...c, remote: server.remote, plan, hash }),
      )
      if (claimed) return { kind: 'done', result: { ...claimed, instant: true } }
    }
  }
  return { kind: 'upload', server }
}

/**
 * Hashes ahead the first parts the run will send (one per lane) that `held` lacks, so the
 * first requests do not wait for their MD5 (where parts carry one).
 */
function prefetchParts(
  ctx: FlowContext,
  job: Job,
  plan: ChunkPlan,
  held: ReadonlyMap<number, unknown>,
): void {
  if (!job.digests || plan.size === 0) return
  const { capabilities } = ctx.protocol
  const lanes = capabilities.parallel ? ctx.tuner.lanes(ctx.options.concurrency) : 1
  prefetchMissing(job.digests, plan, held, lanes)
}

/**
 * Tells the protocol which part a resumed upload will most likely send first (the first one
 * its record lacks), once the status request is on its way, so the protocol can prepare it
 * (S3: sign its URL) beside that request instead of after it: one round trip less before
 * the first byte after a reload. One part, not one per lane: each preparation is a request
 * to the same backend as the status request, and more of them delayed it on a busy machine
 * without bringing the first byte sooner. Not when that part will carry its MD5 (hashed
 * parts where the ETag does not show it): its URL is signed with the MD5, once known.
 */
function prepareFirstPart(
  ctx: FlowContext,
  job: Job,
  server: ServerSide,
  signal: AbortSignal,
): void {
  const { protocol } = ctx
  if (!protocol.prepareParts || server.plan.size === 0) return
  if (job.digests && !protocol.capabilities.partEtagIsMd5) return
  let first = 0
  while (first < server.plan.count && server.acked.has(first)) first++
  if (first === server.plan.count) return
  try {
    protocol.prepareParts({
      transport: ctx.control,
      signal,
      clock: ctx.clock,
      remote: server.remote,
      plan: server.plan,
      indexes: [first],
    })
  } catch {
    // Documented never to throw; if it does, the part signs itself.
  }
}

/** Waits until `promise` settles either way, or rejects when `signal` aborts first. */
function settledOrAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    const done = () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }
    promise.then(done, done)
  })
}
