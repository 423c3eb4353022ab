import { mulberry32, type Random, weighted } from './prng'

/** Every fault the proxy can inject. */
export const FAULT_KINDS = [
  'cut',
  '500',
  '502',
  '503',
  '429',
  'stall',
  'latency',
  'throttle',
  'expired',
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export type Fault =
  /** Forward this fraction of the request body, then reset both connections. */
  | { readonly kind: 'cut'; readonly fraction: number }
  /** Read the body, then answer this status (502 as a gateway's HTML page, like nginx). */
  | { readonly kind: '500' | '502' | '503' }
  /** Read the body, then answer 429 with `Retry-After: retryAfterS`. */
  | { readonly kind: '429'; readonly retryAfterS: number }
  /** Read the body and never answer (until the client gives up or `stallMaxMs`). */
  | { readonly kind: 'stall' }
  /** Wait this long before forwarding. */
  | { readonly kind: 'latency'; readonly ms: number }
  /** Forward the body at this rate for `forMs`, then at full speed. */
  | { readonly kind: 'throttle'; readonly bytesPerSecond: number; readonly forMs: number }
  /** Read the body, then answer S3's 403 AccessDenied "Request has expired". */
  | { readonly kind: 'expired' }

/** What a rule sees of a request. */
export interface RequestInfo {
  readonly method: string
  /** Path and query, as received. */
  readonly url: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

export interface ScenarioOptions {
  /** Seeds the PRNG: the same seed and the same request sequence give the same faults. */
  readonly seed: number
  /** Chance that a matching request gets a fault (0..1). @default 0 (scripted faults only) */
  readonly probability?: number
  /** Relative weights of the kinds drawn at random. @default none */
  readonly kinds?: Readonly<Partial<Record<FaultKind, number>>>
  /** Which requests may get a random fault. @default every request but CORS preflights */
  readonly match?: (request: RequestInfo) => boolean
  /** Bound in count: no random fault after this many faults. @default Infinity */
  readonly maxFaults?: number
  /** Bound in time: no random fault after this long since the scenario began. @default Infinity */
  readonly activeForMs?: number
  readonly now?: () => number
}

export interface InjectedFault {
  /** 1-based number of the request among the ones the scenario was asked about. */
  readonly request: number
  readonly fault: Fault
  readonly method: string
  /** The path, without the query (presigned URLs carry signatures). */
  readonly path: string
  readonly at: number
}

interface Scripted {
  readonly fault: Fault
  readonly match: (request: RequestInfo) => boolean
}

const notPreflight = (request: RequestInfo) => request.method !== 'OPTIONS'

/** Draws a fault of `kind` with its parameters, always using exactly two numbers from `random`. */
function draw(kind: FaultKind, random: Random): Fault {
  const a = random()
  const b = random()
  switch (kind) {
    case 'cut':
      return { kind, fraction: a }
    case '429':
      return { kind, retryAfterS: 1 + Math.floor(a * 2) }
    case 'latency':
      return { kind, ms: 50 + Math.floor(a * 1450) }
    case 'throttle':
      return {
        kind,
        bytesPerSecond: 256 * 1024 + Math.floor(a * 4 * 1024 * 1024),
        forMs: 500 + Math.floor(b * 2500),
      }
    default:
      return { kind }
  }
}

/**
 * Decides which requests get which fault: scripted faults first (the next matching request
 * gets each), then random ones from a seeded PRNG, bounded in count and time. Every
 * request asked about draws the same amount of randomness, so a replay with the same seed
 * gives the n-th request the same fault. Counts what it injected, by kind.
 */
export class FaultScenario {
  readonly seed: number
  readonly counts: Record<FaultKind, number>
  readonly log: InjectedFault[] = []
  private readonly random: Random
  private readonly scripted: Scripted[] = []
  private readonly startedAt: number
  private readonly now: () => number
  private requests = 0
  private randomFaults = 0
  private enabled = true

  constructor(private readonly options: ScenarioOptions) {
    this.seed = options.seed >>> 0
    this.random = mulberry32(this.seed)
    this.now = options.now ?? Date.now
    this.startedAt = this.now()
    this.counts = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<
      FaultKind,
      number
    >
  }

  /** The next request that `match` accepts (default: any but a preflight) gets `fault`. */
  script(fault: Fault, match: (request: RequestInfo) => boolean = notPreflight): void {
    this.scripted.push({ fault, match })
  }

  /** Stops random faults (scripted ones still apply), e.g. while results are checked. */
  stop(): void {
    this.enabled = false
  }

  /** Faults injected so far, all kinds together. */
  get total(): number {
    return this.log.length
  }

  /** The fault for this request, if any; counted as injected. */
  decide(request: RequestInfo): Fault | undefined {
    const n = ++this.requests
    const scripted = this.scripted.findIndex((entry) => entry.match(request))
    if (scripted >= 0) {
      const [{ fault }] = this.scripted.splice(scripted, 1)
      return this.record(n, fault, request)
    }
    const { probability = 0, kinds = {}, match = notPreflight } = this.options
    if (probability <= 0 || Object.keys(kinds).length === 0 || !match(request)) return undefined
    // The same number of draws for every matching request, so later requests see the same numbers.
    const roll = this.random()
    const kind = weighted(this.random, kinds)
    const fault = draw(kind, this.random)
    if (!this.enabled || roll >= probability) return undefined
    if (this.randomFaults >= (this.options.maxFaults ?? Infinity)) return undefined
    if (this.now() - this.startedAt > (this.options.activeForMs ?? Infinity)) return undefined
    this.randomFaults++
    return this.record(n, fault, request)
  }

  private record(n: number, fault: Fault, request: RequestInfo): Fault {
    this.counts[fault.kind]++
    this.log.push({
      request: n,
      fault,
      method: request.method,
      path: request.url.split('?')[0],
      at: this.now() - this.startedAt,
    })
    return fault
  }
}
