/** The soak's figures: what it ran, what it met, what it found. Written as JSON. */
import type { SoakProtocol } from '../browser/pages/soak'
import { FAULT_KINDS, type FaultKind, type FaultProxy } from '../fault-proxy'

export interface Failure {
  readonly name: string
  readonly protocol: SoakProtocol
  readonly size: number
  readonly reason: string
}

export interface SoakFigures {
  seed: number
  uploads: Record<SoakProtocol, { completed: number; bytes: number }>
  planned: number
  completed: number
  bytes: number
  largest: number
  faults: Record<FaultKind, number>
  faultsTotal: number
  /** Requests answered 502 by a proxy because the server was down (the restart). */
  serverDown502: number
  retries: number
  retriesByCode: Record<string, number>
  /** Uploads that continued a server-side upload (after a reload, a cancel-free retry…). */
  resumes: number
  reloads: number
  restarts: number
  cancels: number
  /** Bytes the engine counted as sent twice, summed over the finished uploads. */
  bytesResent: number
  /** Upload body bytes the proxies received (every attempt, every page life). */
  wireBytes: number
  /** `wireBytes` minus the files' sizes: what faults, cuts and reloads cost on the wire. */
  wireOverhead: number
  failures: Failure[]
  pageErrors: string[]
  warnings: string[]
  resumeRecordsLeft: number
  leftovers: Record<SoakProtocol, string[]>
  /** Every injected fault, for replaying a failure: which proxy, request number, kind, path. */
  faultLog: {
    proxy: 'app' | 's3'
    request: number
    kind: FaultKind
    method: string
    path: string
    atMs: number
  }[]
  durationMs: number
  ok: boolean
}

export function emptyFigures(seed: number): SoakFigures {
  return {
    seed,
    uploads: {
      http: { completed: 0, bytes: 0 },
      tus: { completed: 0, bytes: 0 },
      s3: { completed: 0, bytes: 0 },
    },
    planned: 0,
    completed: 0,
    bytes: 0,
    largest: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
    faultsTotal: 0,
    serverDown502: 0,
    retries: 0,
    retriesByCode: {},
    resumes: 0,
    reloads: 0,
    restarts: 0,
    cancels: 0,
    bytesResent: 0,
    wireBytes: 0,
    wireOverhead: 0,
    failures: [],
    pageErrors: [],
    warnings: [],
    resumeRecordsLeft: 0,
    leftovers: { http: [], tus: [], s3: [] },
    faultLog: [],
    durationMs: 0,
    ok: false,
  }
}

/** Adds what both proxies injected and received to `figures` (once the uploads are counted). */
export function countFaults(figures: SoakFigures, appProxy: FaultProxy, s3Proxy: FaultProxy): void {
  for (const kind of FAULT_KINDS) {
    figures.faults[kind] = appProxy.scenario.counts[kind] + s3Proxy.scenario.counts[kind]
  }
  figures.faultsTotal = appProxy.scenario.total + s3Proxy.scenario.total
  for (const [proxy, scenario] of [
    ['app', appProxy.scenario],
    ['s3', s3Proxy.scenario],
  ] as const) {
    for (const entry of scenario.log) {
      const { request, fault, method, path, at } = entry
      figures.faultLog.push({ proxy, request, kind: fault.kind, method, path, atMs: at })
    }
  }
  figures.faultLog.sort((a, b) => a.atMs - b.atMs)
  figures.serverDown502 = appProxy.upstreamDown + s3Proxy.upstreamDown
  figures.wireBytes = appProxy.bodyBytes + s3Proxy.bodyBytes
  figures.wireOverhead = figures.wireBytes - figures.bytes
}
