/**
 * `npx tsx bench/server-cost.ts`: what the reference HTTP chunk server costs per small file, in
 * Node with plain fetch (no browser). With `--route=chunks` (default) each file is created,
 * sent as one chunk PUT and completed; with `--route=small` it goes in the one
 * `PUT /uploads` of the small-file path (create + body + complete, verified by its MD5, as
 * the client's small-file path sends it); with `--route=stream` it is created, streamed in one
 * `PUT /uploads/:id/stream` (8 MiB chunks, as a fresh upload is sent) and completed: for one
 * big file, e.g. `--route=stream --files=1 --size=1073741824`. The same files go one at a
 * time and (not streams) 4 at a time, against the bench's sink (one PUT per file into one
 * file, never synced: the floor) and the reference server, interleaved round by round. `--baseline=<checkout>/server/index.ts` adds the reference server of another
 * checkout, for before/after ratios in one run. Also counts the fsyncs per file.
 *
 *   npx tsx bench/server-cost.ts --files=300 --size=102400 --rounds=3
 *   npx tsx bench/server-cost.ts --route=small --baseline=../main/server/index.ts
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startSink } from './sink-server'
import { fmt, fmtSummary, summarize, type Summary } from './stats'

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const FILES = Number(arg('files', '300'))
const SIZE = Number(arg('size', String(100 * 1024)))
const ROUNDS = Number(arg('rounds', '3'))
const BASELINE = arg('baseline', '')
const ROUTE = arg('route', 'chunks')
if (ROUTE !== 'chunks' && ROUTE !== 'small' && ROUTE !== 'stream')
  throw new Error(`--route is chunks, small or stream, not ${ROUTE}`)
/** A stream of a big file goes one at a time; small files one and four at a time. */
const LANES = ROUTE === 'stream' ? [1] : [1, 4]
const CHUNK = 256 * 1024
/** The client's default chunk size, which a stream's chunks are recorded in. */
const STREAM_CHUNK = 8 * 1024 * 1024

type Phase = 'create' | 'put' | 'complete'
interface Target {
  name: string
  /** Sends one file; adds each phase's milliseconds to `phases`. */
  send(file: Uint8Array<ArrayBuffer>, phases: Record<Phase, number[]>): Promise<void>
  close(): Promise<void>
}

const ok = async (response: Response, what: string): Promise<void> => {
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`${what} answered ${response.status}`)
}

async function timed(phases: Record<Phase, number[]>, phase: Phase, run: () => Promise<void>) {
  const start = performance.now()
  await run()
  phases[phase].push(performance.now() - start)
}

async function sinkTarget(dir: string): Promise<Target> {
  const sink = await startSink(join(dir, 'sink.bin'))
  return {
    name: 'sink (one PUT per file)',
    send: (file, phases) =>
      timed(phases, 'put', async () =>
        ok(await fetch(`${sink.url}?offset=0`, { method: 'PUT', body: file }), 'sink PUT'),
      ),
    close: () => sink.close(),
  }
}

/** Each file's MD5, computed once, outside the timed requests (the client hashes ahead). */
const digests = new WeakMap<Uint8Array, string>()
function md5Of(file: Uint8Array): string {
  let hash = digests.get(file)
  if (hash === undefined) digests.set(file, (hash = createHash('md5').update(file).digest('hex')))
  return hash
}

async function referenceTarget(name: string, module: string, dir: string): Promise<Target> {
  const { startReferenceServer } = (await import(module)) as typeof import('../server/index')
  const running = await startReferenceServer({ root: join(dir, name.replace(/\W+/g, '-')) })
  const base = `${running.httpUrl}/uploads`
  const json = { 'content-type': 'application/json' }
  if (ROUTE === 'small') {
    return {
      name,
      send: (file, phases) =>
        timed(phases, 'put', async () => {
          const hash = md5Of(file)
          const info = encodeURIComponent(
            JSON.stringify({ name: 'f.bin', size: file.length, hash }),
          )
          const headers = { 'content-type': 'application/octet-stream', 'upload-info': info }
          const res = await fetch(base, { method: 'PUT', headers, body: file })
          await ok(res, 'small PUT')
          if (res.status !== 201) throw new Error(`small PUT answered ${res.status}`)
        }),
      close: () => running.close(),
    }
  }
  return {
    name,
    send: async (file, phases) => {
      let id = ''
      await timed(phases, 'create', async () => {
        const chunkSize = ROUTE === 'stream' ? STREAM_CHUNK : CHUNK
        const body = JSON.stringify({ name: 'f.bin', size: file.length, chunkSize })
        const res = await fetch(base, { method: 'POST', headers: json, body })
        id = ((await res.json()) as { id: string }).id
        if (res.status !== 201) throw new Error(`create answered ${res.status}`)
      })
      await timed(phases, 'put', async () =>
        ROUTE === 'stream'
          ? ok(
              await fetch(`${base}/${id}/stream`, {
                method: 'PUT',
                headers: { 'upload-offset': '0' },
                body: file,
              }),
              'stream PUT',
            )
          : ok(await fetch(`${base}/${id}/chunks/0`, { method: 'PUT', body: file }), 'chunk PUT'),
      )
      await timed(phases, 'complete', async () =>
        ok(await fetch(`${base}/${id}/complete`, { method: 'POST', headers: json }), 'complete'),
      )
    },
    close: () => running.close(),
  }
}

/** Counts fsync and fdatasync calls, whoever makes them. */
async function countSyncs(dir: string): Promise<{ count(): number }> {
  const { open } = await import('node:fs/promises')
  const probe = await open(join(dir, 'probe'), 'w')
  const proto = Object.getPrototypeOf(probe) as Record<'sync' | 'datasync', () => Promise<void>>
  await probe.close()
  let calls = 0
  for (const key of ['sync', 'datasync'] as const) {
    const real = proto[key]
    proto[key] = function (this: unknown) {
      calls++
      return real.call(this)
    }
  }
  return { count: () => calls }
}

interface Run {
  wall: number
  perFile: number[]
  phases: Record<Phase, number[]>
  syncs: number
}

async function run(
  target: Target,
  files: Uint8Array<ArrayBuffer>[],
  lanes: number,
  syncs: { count(): number },
) {
  const phases: Record<Phase, number[]> = { create: [], put: [], complete: [] }
  const perFile: number[] = []
  const syncsBefore = syncs.count()
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < files.length) {
        const file = files[next++]
        const t = performance.now()
        await target.send(file, phases)
        perFile.push(performance.now() - t)
      }
    }),
  )
  return { wall: performance.now() - start, perFile, phases, syncs: syncs.count() - syncsBefore }
}

const dir = await mkdtemp(join(tmpdir(), 'vcu-server-cost-'))
const syncs = await countSyncs(dir)
const targets = [
  await sinkTarget(dir),
  await referenceTarget('reference server', '../server/index', dir),
]
if (BASELINE) {
  const url = pathToFileURL(resolve(BASELINE)).href
  targets.push(await referenceTarget(`baseline (${BASELINE})`, url, dir))
}
const files = Array.from({ length: FILES }, () => new Uint8Array(randomBytes(SIZE)))
files.forEach(md5Of)
const results = new Map<string, Run[]>()
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const lanes of LANES) {
      for (const target of targets) {
        const key = `${target.name}|${lanes}`
        results.set(key, [...(results.get(key) ?? []), await run(target, files, lanes, syncs)])
      }
    }
  }
} finally {
  await Promise.allSettled(targets.map((target) => target.close()))
  await rm(dir, { recursive: true, force: true })
}

const ms = (s: Summary): string => `${fmtSummary(s)} ms`
console.log(`${FILES} files of ${SIZE} bytes, ${ROUTE} route, ${ROUNDS} rounds; median (min–max)\n`)
for (const lanes of LANES) {
  console.log(`## ${lanes === 1 ? 'one at a time' : `${lanes} at a time`}`)
  const floor = summarize(results.get(`${targets[0].name}|${lanes}`)!.map((r) => r.wall))
  const reference = summarize(results.get(`${targets[1].name}|${lanes}`)!.map((r) => r.wall))
  for (const target of targets) {
    const runs = results.get(`${target.name}|${lanes}`)!
    const wall = summarize(runs.map((r) => r.wall))
    const perFile = summarize(runs.flatMap((r) => r.perFile))
    const phase = (p: Phase) => {
      const values = runs.flatMap((r) => r.phases[p])
      return values.length ? `${p} ${fmt(summarize(values).median, 1)}` : ''
    }
    const phases = (['create', 'put', 'complete'] as const).map(phase).filter(Boolean)
    console.log(
      `- ${target.name}: ${ms(wall)} for all, ${ms(perFile)} per file` +
        ` [${phases.join(', ')} ms]; ${fmt(runs[0].syncs / FILES, 1)} fsyncs per file;` +
        ` ${fmt(wall.median / floor.median, 2)}× the sink` +
        (target === targets[1] ? '' : `, ${fmt(wall.median / reference.median, 2)}× the reference`),
    )
  }
  console.log('')
}
