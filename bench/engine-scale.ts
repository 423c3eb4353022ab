/**
 * `npx tsx bench/engine-scale.ts`: what the engine itself costs per file as the number of
 * files grows, in Node (no browser, no network). Every file is 1 byte and its one small-file
 * request answers in the next turn of the event loop, so nothing but the engine's own
 * bookkeeping (queue, scheduler, statuses, snapshots) takes time. The baseline is a plain
 * loop sending the same files through the same answer, 4 at a time. Time per file that grows
 * with the number of files means a walk over every upload per finished file somewhere. A
 * second table adds the files one `add()` call each (with metadata of their own, as an app
 * that names each file's metadata does), against putting them in a Map. A third starts files
 * added idle one `start(id)` each, each once the one before finished (an app that sends
 * files one by one, in its own order), against the plain loop sending them one at a time.
 * `--baseline=<checkout>/src/core/index.ts` adds the engine of another checkout, for a
 * before/after in one run.
 *
 *   npx tsx bench/engine-scale.ts --files=2000,8000,32000 --rounds=3
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { instantSmallProtocol, noTransport } from '../test/fakes/instant-protocol'
import { fmt, fmtSummary, summarize, type Summary } from './stats'

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const COUNTS = arg('files', '2000,8000,32000').split(',').map(Number)
const ROUNDS = Number(arg('rounds', '3'))
const BASELINE = arg('baseline', '')
const LANES = 4

type Core = typeof import('../src/core')

/** Every small-file request answers in the next turn. */
const protocol = instantSmallProtocol(() => new Promise<void>((done) => setImmediate(done)))

const filesOf = (count: number) =>
  Array.from({ length: count }, (_, i) => new File([new Uint8Array(1)], `f${i}.txt`))

/** Wall and CPU ms of `run`. */
async function timed(run: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await run()
  const cpu = process.cpuUsage(cpu0)
  return { wall: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 }
}

/** The floor: the same requests from a plain loop, `LANES` at a time. */
async function plainLoop(files: File[]): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < files.length) {
      const file = files[next++]!
      await protocol.uploadSmall!({ file: { name: file.name, size: file.size } } as never)
    }
  }
  await Promise.all(Array.from({ length: LANES }, lane))
}

async function engine(core: Core, files: File[]): Promise<void> {
  const uploader = core.createUploader({
    protocol,
    transport: noTransport,
    concurrency: LANES,
    hashing: false,
  })
  let left = files.length
  await new Promise<void>((done, fail) => {
    uploader.on('upload-success', () => --left === 0 && done())
    uploader.on('upload-error', ({ upload }) => fail(new Error(JSON.stringify(upload.status))))
    uploader.add(files)
  })
  uploader.destroy()
}

/** An uploader that sends nothing until told to (`autoStart` off), no hashing. */
const idleUploader = (core: Core) =>
  core.createUploader({ protocol, transport: noTransport, autoStart: false, hashing: false })

/** `add()` once per file, with metadata of its own (autoStart off: nothing is sent). */
async function addOneByOne(core: Core, files: File[]): Promise<void> {
  const uploader = idleUploader(core)
  for (const [i, file] of files.entries()) {
    if (uploader.add(file, { metadata: { index: String(i) } }).added.length !== 1)
      throw new Error(`${file.name} was not added`)
  }
  uploader.destroy()
}

/** Files added idle, then one `start(id)` each once the one before finished. */
async function startOneByOne(core: Core, files: File[]): Promise<void> {
  const uploader = idleUploader(core)
  const { added } = uploader.add(files)
  let waiting: { id: string; done: () => void; fail: (e: Error) => void } | undefined
  uploader.on('upload-success', ({ upload }) => upload.id === waiting?.id && waiting.done())
  uploader.on('upload-error', ({ upload, error }) => {
    if (upload.id === waiting?.id) waiting.fail(new Error(error.code))
  })
  for (const { id } of added) {
    await new Promise<void>((done, fail) => {
      waiting = { id, done, fail }
      uploader.start(id)
    })
  }
  uploader.destroy()
}

/** The floor for one at a time: the same requests from a plain loop, one lane. */
async function oneLane(files: File[]): Promise<void> {
  for (const file of files)
    await protocol.uploadSmall!({ file: { name: file.name, size: file.size } } as never)
}

/** The floor for adding: each file and its metadata into a Map. */
async function mapLoop(files: File[]): Promise<void> {
  const kept = new Map<string, { file: File; metadata: Record<string, string> }>()
  for (const [i, file] of files.entries())
    kept.set(`u${i}`, { file, metadata: { index: String(i) } })
}

async function main() {
  const ours: Core = await import('../src/core')
  const before = BASELINE
    ? ((await import(pathToFileURL(resolve(BASELINE)).href)) as Core)
    : undefined
  const sending: Case[] = [
    ['plain loop', plainLoop],
    ['engine', (files) => engine(ours, files)],
    ...(before ? [['engine (baseline)', (files: File[]) => engine(before, files)] as Case] : []),
  ]
  const adding: Case[] = [
    ['Map loop', mapLoop],
    ['add() each', (files) => addOneByOne(ours, files)],
    ...(before
      ? [['add() (baseline)', (files: File[]) => addOneByOne(before, files)] as Case]
      : []),
  ]
  const starting: Case[] = [
    ['one-lane loop', oneLane],
    ['start(id) each', (files) => startOneByOne(ours, files)],
    ...(before
      ? [['start(id) (baseline)', (files: File[]) => startOneByOne(before, files)] as Case]
      : []),
  ]
  console.log(`1-byte files, ${LANES} at a time, ${ROUNDS} rounds, interleaved; µs per file:`)
  await table(sending)
  console.log('added one add() call each (each with its own metadata), nothing sent; µs per file:')
  await table(adding)
  console.log('added idle, then one start(id) each once the one before finished; µs per file:')
  await table(starting)
}

type Case = [string, (files: File[]) => Promise<void>]

/** Runs `cases` at every count, interleaved round by round; the first case is the floor. */
async function table(cases: readonly Case[]) {
  for (const count of COUNTS) {
    const wall = new Map<string, number[]>()
    const cpu = new Map<string, number[]>()
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of cases) {
        const files = filesOf(count)
        const t = await timed(() => run(files))
        wall.set(name, [...(wall.get(name) ?? []), (t.wall * 1000) / count])
        cpu.set(name, [...(cpu.get(name) ?? []), (t.cpu * 1000) / count])
      }
    }
    const floor = summarize(wall.get(cases[0]![0])!).median
    for (const [name] of cases) {
      const w: Summary = summarize(wall.get(name)!)
      const c: Summary = summarize(cpu.get(name)!)
      console.log(
        `  ${String(count).padStart(6)} files  ${name.padEnd(20)} wall ${fmtSummary(w, 0).padEnd(18)} cpu ${fmtSummary(c, 0).padEnd(18)} ${fmt(w.median / floor, 1)}× the floor`,
      )
    }
  }
}

await main()
