/**
 * Model-based tests of the engine (fast-check `commands` + `asyncModelRun`): random sequences
 * of add, start, pause, resume, cancel, retry, offline, online, reload-and-resume, time
 * passing and scripted server behaviour (a cut body, 409, 503, 429 + Retry-After, a stall, a
 * forgotten upload, garbage, a thrown TypeError, a network error), on a parallel-parts
 * backend (S3 / HTTP-like) and a sequential one that keeps cut bodies (tus-like), each with
 * and without the one-request stream, concurrency 1-4, autoStart on and off. After every
 * step and at the end the invariants below must hold; at the end every upload must settle.
 *
 * Seeded: `npm test` runs a fixed seed. A failure prints its seed and path and the one
 * command that replays it. `npm run test:model` runs 10,000 sequences.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createUploader,
  UploadError,
  type ResumeStore,
  type Transport,
  type Uploader,
  type UploadProtocol,
  type UploaderSnapshot,
} from '../../src/core'
import { createMemoryStore } from '../../src/persistence'
import { FakeClock } from '../fakes/fake-clock'
import { FakeHasher } from '../fakes/fake-hasher'
import { FAULTS, ModelBackend, type Fault, type InFlight } from '../fakes/model-backend'
import { WireServer, type WireKind } from '../fakes/wire-server'
import { createHttpProtocol } from '../../src/protocols/http'
import { createTusProtocol } from '../../src/protocols/tus'

const SEED = Number(process.env.FC_SEED ?? 0x13_2026)
const RUNS = Number(process.env.FC_RUNS ?? 2000)
const PATH = process.env.FC_PATH
const PART = 100

/**
 * The backend: the protocol port served in memory (parallel parts like S3 and HTTP, or one
 * sequential offset like tus), or the real HTTP and tus clients over an in-memory server.
 */
type Backend = 'parallel' | 'sequential' | WireKind

interface Setup {
  readonly backend: Backend
  readonly concurrency: number
  readonly autoStart: boolean
  readonly stream: boolean
  readonly hashing: boolean
}

/** What the model needs of either kind of server. */
interface Server {
  inject(fault: Fault): void
  calm(): void
  readonly inFlight: ReadonlySet<InFlight>
  readonly requests: ReadonlyMap<string, number>
  readonly failures: ReadonlyMap<string, number>
  assembled(name: string): Uint8Array | undefined
}

interface ModelFile {
  readonly name: string
  readonly file: File
}

/** What the model knows: the files added, in order. */
interface Model {
  readonly files: ModelFile[]
}

class Real {
  readonly clock = new FakeClock()
  readonly store: ResumeStore = createMemoryStore()
  readonly backend: Server
  private readonly protocol: UploadProtocol
  private readonly transport: Transport
  uploader!: Uploader
  /** Requests per file name when it was added (or re-added) to the current uploader. */
  private baseline = new Map<string, number>()
  readonly violations: string[] = []
  private lastShown = new Map<string, { bytes: number; restarted: boolean }>()

  constructor(readonly setup: Setup) {
    if (setup.backend === 'parallel' || setup.backend === 'sequential') {
      const backend = new ModelBackend({
        clock: this.clock,
        sequential: setup.backend === 'sequential',
        stream: setup.stream,
      })
      this.backend = backend
      this.protocol = backend
      this.transport = { request: () => Promise.reject(new Error('unused')) }
    } else {
      const server = new WireServer(setup.backend, this.clock)
      this.backend = server
      this.transport = server
      this.protocol =
        setup.backend === 'http'
          ? createHttpProtocol({ endpoint: server.endpoint })
          : createTusProtocol({ endpoint: server.endpoint })
    }
    this.open()
  }

  open(): void {
    this.uploader = createUploader({
      protocol: this.protocol,
      transport: this.transport,
      clock: this.clock,
      hasher: this.setup.hashing ? new FakeHasher() : undefined,
      store: this.store,
      chunkSize: PART,
      concurrency: this.setup.concurrency,
      autoStart: this.setup.autoStart,
      stream: this.setup.stream,
      adaptive: false,
      progressIntervalMs: 10,
      retry: { baseDelayMs: 50, maxDelayMs: 1000, jitter: 0 },
    })
    this.lastShown.clear()
    this.uploader.subscribe((snapshot) => this.watch(snapshot))
  }

  /** Shown progress never decreases, except to 0 when the upload restarted; never past the size. */
  private watch(snapshot: UploaderSnapshot): void {
    for (const u of snapshot.uploads) {
      const last = this.lastShown.get(u.id)
      if (u.bytesUploaded > u.file.size) this.violations.push(`${u.file.name}: past the size`)
      if (last && u.bytesUploaded < last.bytes && !(u.bytesUploaded === 0 && u.restarted)) {
        this.violations.push(`${u.file.name}: progress ${last.bytes} → ${u.bytesUploaded}`)
      }
      this.lastShown.set(u.id, { bytes: u.bytesUploaded, restarted: u.restarted })
    }
  }

  added(name: string): void {
    this.baseline.set(name, this.backend.requests.get(name) ?? 0)
  }

  idOf(index: number): string | undefined {
    const uploads = this.uploader.getSnapshot().uploads
    return uploads.length === 0 ? undefined : uploads[index % uploads.length].id
  }

  /** Lets the engine act: a little fake time, every promise settled. */
  step(ms = 20): Promise<void> {
    return this.clock.advance(ms)
  }

  check(): void {
    expect(this.violations).toEqual([])
    const { uploads } = this.uploader.getSnapshot()
    // Retries come from failures the server caused, so they are bounded by them (one
    // failed request can be shared: tus asks OPTIONS once for every upload waiting on it).
    const retries = uploads.reduce((sum, u) => sum + u.retries, 0)
    expect(retries, 'retries').toBeLessThanOrEqual(this.failures() * Math.max(1, uploads.length))
    for (const u of uploads) {
      const { state } = u.status
      const name = u.file.name
      expect(u.progress).toBeGreaterThanOrEqual(0)
      expect(u.progress).toBeLessThanOrEqual(1)
      // Nothing is sent for an upload that is not running.
      if (['paused', 'canceled', 'idle', 'error', 'done'].includes(state)) {
        const live = [...this.backend.inFlight].filter(
          (op) =>
            op.name === name &&
            !op.signal.aborted &&
            ['part', 'stream', 'status', 'complete'].includes(op.kind),
        )
        expect(live.map((op) => `${name} ${state}: ${op.kind}`)).toEqual([])
      }
      // An idle upload never sends a byte (nor anything else).
      if (state === 'idle') {
        expect(this.backend.requests.get(name) ?? 0, `${name} idle`).toBe(this.baseline.get(name))
      }
      if (state === 'error') {
        const { error } = u.status as { error: UploadError }
        expect(error).toBeInstanceOf(UploadError)
        if (error.code === 'internal') expect(error.cause).toBeInstanceOf(TypeError)
        // Failing needs a reason the server gave.
        expect(this.failures(), `${name} failed unprovoked`).toBeGreaterThan(0)
      }
    }
  }

  /** Every failure the server caused (some requests, like tus partials, name no file). */
  private failures(): number {
    let sum = 0
    for (const n of this.backend.failures.values()) sum += n
    return sum
  }

  /** The end: no more faults, online, everything resumed; the engine must come to rest. */
  async settleAll(files: readonly ModelFile[]): Promise<void> {
    this.backend.calm()
    this.uploader.setOnline(true)
    this.uploader.resume()
    const resting = () =>
      this.backend.inFlight.size === 0 &&
      this.uploader.getSnapshot().activeRequests === 0 &&
      this.uploader
        .getSnapshot()
        .uploads.every((u) => ['done', 'error', 'idle', 'canceled'].includes(u.status.state))
    for (let i = 0; i < 400 && !resting(); i++) await this.clock.advance(5_000)
    await this.clock.advance(1_000)
    this.check()
    const { uploads } = this.uploader.getSnapshot()
    expect(
      uploads
        .filter((u) => !['done', 'error', 'idle', 'canceled'].includes(u.status.state))
        .map((u) => `${u.file.name}: ${JSON.stringify(u.status)}`),
    ).toEqual([])
    expect([...this.backend.inFlight].map((op) => `${op.name} ${op.kind}`)).toEqual([])
    expect(this.uploader.getSnapshot().activeRequests).toBe(0)
    // No timer outlives the rest by more than a bounded wait (a 429's hold, at most the
    // policy's maxRetryAfterMs): nothing polls or retries for ever, and nothing moves.
    const before = JSON.stringify(uploads.map((u) => u.status.state))
    await this.clock.advance(600_000)
    expect(this.clock.pending).toBe(0)
    expect(JSON.stringify(this.uploader.getSnapshot().uploads.map((u) => u.status.state))).toBe(
      before,
    )
    for (const u of uploads) {
      saw(u.status.state === 'error' ? `error:${u.status.error.code}` : u.status.state)
      if (u.restarted) saw('restarted')
      if (u.resumed) saw('resumed')
      if (u.retries > 0) saw('retried')
    }
    // What the server assembled is the file, byte for byte.
    for (const u of uploads) {
      if (u.status.state !== 'done') continue
      const file = files.find((f) => f.name === u.file.name)!
      const expected = new Uint8Array(await file.file.arrayBuffer())
      const assembled = this.backend.assembled(u.file.name)
      if (expected.length === 0 && !assembled) continue
      expect(assembled, `${u.file.name} assembled`).toEqual(expected)
    }
    this.uploader.destroy()
  }
}

/** What the runs reached, so a generator that stops exercising the engine is noticed. */
const reached = new Map<string, number>()
const saw = (what: string) => reached.set(what, (reached.get(what) ?? 0) + 1)

type Cmd = fc.AsyncCommand<Model, Real>

const fileBytes = (size: number, salt: number) =>
  new Uint8Array(size).map((_, i) => (i * 31 + salt * 7) % 251)

class Add implements Cmd {
  constructor(readonly size: number) {}
  check = () => true
  async run(model: Model, real: Real) {
    const name = `f${model.files.length}.bin`
    const file = new File([fileBytes(this.size, model.files.length)], name, { lastModified: 1 })
    model.files.push({ name, file })
    real.added(name)
    real.uploader.add(file)
    await real.step()
    real.check()
  }
  toString = () => `add(${this.size})`
}

type Verb = 'start' | 'pause' | 'resume' | 'retry' | 'cancel'

class Act implements Cmd {
  constructor(
    readonly verb: Verb,
    readonly target: number | 'all',
  ) {}
  check = () => true
  async run(_model: Model, real: Real) {
    const id = this.target === 'all' ? undefined : real.idOf(this.target)
    if (this.target !== 'all' && id === undefined) return
    const { uploader } = real
    if (this.verb === 'cancel') void uploader.cancel(id)
    else uploader[this.verb](id)
    await real.step()
    real.check()
  }
  toString = () => `${this.verb}(${this.target})`
}

class Online implements Cmd {
  constructor(readonly online: boolean) {}
  check = () => true
  async run(_model: Model, real: Real) {
    real.uploader.setOnline(this.online)
    await real.step()
    real.check()
  }
  toString = () => (this.online ? 'online' : 'offline')
}

class Inject implements Cmd {
  constructor(readonly fault: Fault) {}
  check = () => true
  async run(_model: Model, real: Real) {
    real.backend.inject(this.fault)
    await real.step()
    real.check()
  }
  toString = () => `server:${this.fault}`
}

class Wait implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true
  async run(_model: Model, real: Real) {
    await real.step(this.ms)
    real.check()
  }
  toString = () => `wait(${this.ms})`
}

/** The page reloads: the uploader goes, a new one gets every unfinished file again. */
class Reload implements Cmd {
  check = () => true
  async run(model: Model, real: Real) {
    const unfinished = real.uploader
      .getSnapshot()
      .uploads.filter((u) => !['done', 'canceled'].includes(u.status.state))
      .map((u) => u.file.name)
    await real.uploader.flush()
    real.uploader.destroy()
    await real.step()
    real.open()
    for (const name of unfinished) {
      const entry = model.files.find((f) => f.name === name)!
      real.added(name)
      real.uploader.add(entry.file)
    }
    await real.step()
    real.check()
  }
  toString = () => 'reload'
}

const target = fc.oneof(fc.nat(7), fc.constant('all' as const))
const commands = [
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.integer({ min: 0, max: 5 * PART + 37 }).map((size) => new Add(size)),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom<Verb>('start', 'pause', 'resume', 'retry', 'cancel'), target)
        .map(([verb, t]) => new Act(verb, t)),
    },
    { weight: 1, arbitrary: fc.boolean().map((online) => new Online(online)) },
    { weight: 3, arbitrary: fc.constantFrom(...FAULTS).map((fault) => new Inject(fault)) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(5, 50, 500, 5_000, 60_000).map((ms) => new Wait(ms)),
    },
    { weight: 1, arbitrary: fc.constant(new Reload()) },
  ),
]

const setups = fc.record({
  backend: fc.constantFrom<Backend>(
    'parallel',
    'sequential',
    'http',
    'tus',
    'tus-concat',
    'tus-checksum',
  ),
  concurrency: fc.integer({ min: 1, max: 4 }),
  autoStart: fc.boolean(),
  stream: fc.boolean(),
  hashing: fc.boolean(),
})

describe('engine model (fast-check)', () => {
  it(
    `${RUNS} random sequences keep every invariant and come to rest`,
    async () => {
      const property = fc.asyncProperty(
        setups,
        fc.commands(commands, { maxCommands: 30 }),
        async (setup, cmds) => {
          const model: Model = { files: [] }
          const real = new Real(setup)
          await fc.asyncModelRun(() => ({ model, real }), cmds)
          await real.settleAll(model.files)
        },
      )
      const details = await fc.check(property, {
        seed: SEED,
        numRuns: RUNS,
        ...(PATH ? { path: PATH } : {}),
        endOnFailure: true,
      })
      console.info('[model] final states reached', Object.fromEntries(reached))
      if (details.failed) {
        const replay =
          `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''} ` +
          'npx vitest run --project unit test/unit/engine-model.test.ts'
        throw new Error(
          `Model run failed: ${fc.stringify(details.counterexample)}\n` +
            `${String(details.errorInstance)}\nReplay: ${replay}`,
          { cause: details.errorInstance },
        )
      }
      // The default runs reach the paths the invariants are about.
      if (process.env.FC_SEED === undefined && RUNS >= 1000) {
        for (const what of ['done', 'error:internal', 'error:protocol', 'retried', 'resumed']) {
          expect(reached.get(what) ?? 0, what).toBeGreaterThan(0)
        }
      }
    },
    Number(process.env.FC_TIMEOUT_MS ?? 240_000),
  )
})
