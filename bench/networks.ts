/** The networks Chromium emulates for the page (CDP Network.emulateNetworkConditions). */
export interface Network {
  readonly id: string
  readonly label: string
  /** Added round-trip latency in ms. */
  readonly latencyMs: number
  /** Upload bandwidth in Mbit/s (10⁶ bit); 0 is unthrottled. */
  readonly upMbit: number
}

export const NETWORKS = {
  none: { id: 'none', label: 'unthrottled (loopback)', latencyMs: 0, upMbit: 0 },
  fast: { id: '50ms-100mbit', label: '50 ms RTT, 100 Mbit/s up', latencyMs: 50, upMbit: 100 },
  slow: { id: '200ms-20mbit', label: '200 ms RTT, 20 Mbit/s up', latencyMs: 200, upMbit: 20 },
} as const satisfies Record<string, Network>
