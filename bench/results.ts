/** The shape of bench/results/bench-*.json, written by run.ts and read by report.ts and chart.ts. */
import type { BundleSize } from './bundles'
import type { Family } from './cases'
import type { Summary } from './stats'

export interface ThroughputResult {
  readonly case: string
  readonly label: string
  readonly family: Family
  readonly ours: boolean
  /** Network id from runner.ts NETWORKS ('none' is unthrottled). */
  readonly network: string
  readonly networkLabel: string
  readonly sizeMiB: number
  readonly mibps: Summary
  readonly firstByteMs: Summary
  readonly heapMiB: Summary
  readonly heapBeforeMiB: Summary
  readonly longestTaskMs: Summary
  readonly requestsPerGiB: Summary
  /** Runs that failed (not in the figures); absent when none did. */
  readonly failed?: number
}

export interface ResumeResult {
  readonly protocol: 'http' | 'tus' | 's3'
  readonly sizeMiB: number
  /** Bytes the servers received beyond the file size: re-sent bytes plus all request headers. */
  readonly extraBytes: Summary
  readonly reselectToFirstByteMs: Summary
  /** Every run resumed the earlier upload (rather than starting again). */
  readonly resumed: boolean
}

/**
 * `components`: UploadPlugin with <UploadDropzone> and <UploadProgress>; `composable`: the
 * same headless (no rows); the baselines, 4 files at a time like the library's default:
 * `put-per-file`, the limit, one XHR PUT per file to the sink; `tusjs-per-file`,
 * tus-js-client 4 with one `Upload` per file; `uppy-s3`, @uppy/aws-s3 6 with every file in one
 * Uppy (`limit: 4`).
 */
export type ManyVariant =
  'components' | 'composable' | 'put-per-file' | 'tusjs-per-file' | 'uppy-s3'

export interface ManyResult {
  /** `components`: UploadPlugin with <UploadDropzone> and <UploadProgress>; `composable`: no rows. */
  readonly variant: ManyVariant
  /**
   * The protocol the library variants used and the baseline speaks; absent in results
   * written before tus and S3 joined (those were all HTTP).
   */
  readonly protocol?: 'http' | 'tus' | 's3'
  readonly count: number
  /** Fewest uploads done in a run (`count` unless a run hit the deadline). */
  readonly done: number
  /** Most files failed for good in a run (after the library's retries); absent when none. */
  readonly failed?: number
  readonly deadlineMs: number
  readonly sizeBytes: number
  readonly totalMs: Summary
  readonly longestTaskMs: Summary
  readonly longTasksOver50: Summary
}

/** One of the targets, checked against this run's figures. */
export interface TargetCheck {
  readonly id: string
  readonly label: string
  /** The figure; undefined when this run did not measure it. */
  readonly value?: number
  readonly unit: string
  /** e.g. '≥ 1.3' or '≤ 300'. */
  readonly target: string
  readonly met?: boolean
  /** Which figures the value comes from. */
  readonly basis: string
}

export interface BenchResults {
  readonly date: string
  readonly quick: boolean
  readonly runs: number
  readonly durationS: number
  readonly machine: {
    readonly cores: number
    readonly node: string
    readonly chromium: string
    /** 1-minute load average at start and at the end. */
    readonly load: readonly [number, number]
    /** Where the servers kept what they received (`BENCH_STORE_DIR`); absent: the temp folder. */
    readonly storeDir?: string
    /** `BENCH_PIN`: the page's renderers had core 0 to themselves (bench/pin.ts). */
    readonly pinned?: boolean
  }
  /** What every library case got on top of `hashing`. */
  readonly libraryOptions: Record<string, unknown>
  readonly throughput: readonly ThroughputResult[]
  readonly resume: readonly ResumeResult[]
  readonly many: readonly ManyResult[]
  readonly bundles: readonly BundleSize[]
  readonly targets: readonly TargetCheck[]
}
