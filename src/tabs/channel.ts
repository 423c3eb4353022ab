import {
  systemClock,
  type Clock,
  type TabPeers,
  type TabUpload,
  type TabUploadSummary,
} from '../core'

/** The slice of BroadcastChannel this adapter uses. */
export interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

/** Options of {@link createTabChannel}. */
export interface TabChannelOptions {
  /** The BroadcastChannel name; tabs with the same name see each other. @default 'vue-chunked-upload' */
  readonly name?: string
  /** Least interval between two summaries this tab sends. @default 250 */
  readonly throttleMs?: number
  /** While this tab sends anything, it repeats its summary this often. @default 1000 */
  readonly heartbeatMs?: number
  /** Another tab's entries are dropped when it has not been heard from for this long. @default 3500 */
  readonly expiryMs?: number
  /** @default the system clock */
  readonly clock?: Clock
  /** Opens the channel. @default `new BroadcastChannel(name)`, where the browser has it */
  readonly open?: (name: string) => ChannelLike
}

/** A channel to the other tabs; whoever creates it closes it. */
export interface TabChannel extends TabPeers {
  /** Says goodbye to the other tabs, closes the channel and drops every listener and timer. */
  close(): void
}

type Message =
  | { readonly v: 1; readonly kind: 'state'; readonly tab: string; readonly uploads: unknown }
  | { readonly v: 1; readonly kind: 'bye'; readonly tab: string }
  | { readonly v: 1; readonly kind: 'hello'; readonly tab: string }

const STATES: ReadonlySet<string> = new Set([
  'preparing',
  'hashing',
  'uploading',
  'completing',
  'done',
])

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0

/** A summary from another tab, or undefined for anything foreign or malformed. */
function readSummary(value: unknown): TabUploadSummary | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const u = value as Record<string, unknown>
  if (typeof u.key !== 'string' || typeof u.name !== 'string') return undefined
  if (!isCount(u.size) || !isCount(u.bytesUploaded) || typeof u.state !== 'string') return undefined
  if (!STATES.has(u.state)) return undefined
  return {
    key: u.key,
    name: u.name,
    size: u.size,
    bytesUploaded: Math.min(u.size, u.bytesUploaded),
    state: u.state as TabUploadSummary['state'],
  }
}

function readMessage(data: unknown): Message | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const m = data as Record<string, unknown>
  if (m.v !== 1 || typeof m.tab !== 'string') return undefined
  if (m.kind !== 'state' && m.kind !== 'bye' && m.kind !== 'hello') return undefined
  return m as Message
}

function defaultOpen(name: string): ChannelLike | undefined {
  return typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(name)
}

/**
 * What the other tabs of this site are uploading, over a BroadcastChannel: each tab
 * publishes a compact, throttled summary of its running uploads and repeats it while it
 * has any, says goodbye on `pagehide` and `close()`, and entries of a tab not heard from
 * for `expiryMs` expire (a crashed tab says nothing). The channel is opened on first use,
 * never at import; without BroadcastChannel it does nothing.
 */
export function createTabChannel(options: TabChannelOptions = {}): TabChannel {
  const name = options.name ?? 'vue-chunked-upload'
  const throttleMs = options.throttleMs ?? 250
  const heartbeatMs = options.heartbeatMs ?? 1000
  const expiryMs = options.expiryMs ?? 3500
  const clock = options.clock ?? systemClock
  const tab = Math.random().toString(36).slice(2) + clock.now().toString(36)
  const peers = new Map<string, { uploads: TabUploadSummary[]; seenAt: number }>()
  const listeners = new Set<(uploads: readonly TabUpload[]) => void>()
  let channel: ChannelLike | undefined
  let opened = false
  let closed = false
  let latest: readonly TabUploadSummary[] = []
  let sentEmpty = true
  let sentAt = -Infinity
  let cancelSend: (() => void) | undefined
  let sendAt = Infinity
  let cancelSweep: (() => void) | undefined

  function post(message: Message): void {
    try {
      channel?.postMessage(message)
    } catch {
      // A closing page may refuse: the other tabs expire this one's entries.
    }
  }

  function notify(): void {
    const list: TabUpload[] = []
    for (const [from, entry] of peers) {
      for (const upload of entry.uploads) list.push({ ...upload, tab: from, seenAt: entry.seenAt })
    }
    for (const listener of [...listeners]) listener(list)
  }

  function send(): void {
    cancelSend?.()
    cancelSend = undefined
    sendAt = Infinity
    if (closed || (latest.length === 0 && sentEmpty)) return
    post({ v: 1, kind: 'state', tab, uploads: latest })
    sentAt = clock.now()
    sentEmpty = latest.length === 0
    // The heartbeat: the other tabs keep this one's entries only while they hear it. Only
    // while something is being sent: a 'done' is told once and then expires over there.
    if (latest.some((upload) => upload.state !== 'done')) sendLater(heartbeatMs)
  }

  function sendLater(ms: number): void {
    const at = clock.now() + ms
    if (at >= sendAt) return
    cancelSend?.()
    sendAt = at
    cancelSend = clock.setTimeout(send, ms)
  }

  function sweep(): void {
    cancelSweep = undefined
    const oldest = clock.now() - expiryMs
    let changed = false
    for (const [from, entry] of peers) {
      if (entry.seenAt <= oldest) changed = peers.delete(from) || changed
    }
    if (changed) notify()
    if (peers.size > 0) cancelSweep = clock.setTimeout(sweep, heartbeatMs)
  }

  const onMessage = (event: { data: unknown }) => {
    const message = readMessage(event.data)
    if (!message || message.tab === tab) return
    if (message.kind === 'hello') {
      // A new tab: tell it at once instead of at the next heartbeat.
      if (latest.length > 0) send()
      return
    }
    if (message.kind === 'bye') {
      if (peers.delete(message.tab)) notify()
      return
    }
    const list = Array.isArray(message.uploads) ? message.uploads : []
    const uploads = list.map(readSummary).filter((u): u is TabUploadSummary => u !== undefined)
    if (uploads.length === 0) {
      if (peers.delete(message.tab)) notify()
      return
    }
    peers.set(message.tab, { uploads, seenAt: clock.now() })
    cancelSweep ??= clock.setTimeout(sweep, heartbeatMs)
    notify()
  }

  const onPageHide = () => post({ v: 1, kind: 'bye', tab })

  /** Opens the channel (and its `pagehide` listener) on first use; `close` undoes both. */
  function open(): void {
    if (opened || closed) return
    opened = true
    channel = options.open ? options.open(name) : defaultOpen(name)
    if (!channel) return
    channel.addEventListener('message', onMessage)
    if (typeof addEventListener === 'function') addEventListener('pagehide', onPageHide)
    post({ v: 1, kind: 'hello', tab })
  }

  return {
    publish(uploads) {
      open()
      latest = uploads
      // The first change after a quiet spell goes at once; later ones at most every throttleMs.
      sendLater(Math.max(0, sentAt + throttleMs - clock.now()))
    },
    subscribe(listener) {
      open()
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    close() {
      if (closed) return
      if (channel) {
        post({ v: 1, kind: 'bye', tab })
        channel.removeEventListener('message', onMessage)
        channel.close()
        if (typeof removeEventListener === 'function') removeEventListener('pagehide', onPageHide)
      }
      closed = true
      channel = undefined
      cancelSend?.()
      cancelSweep?.()
      cancelSend = cancelSweep = undefined
      peers.clear()
      listeners.clear()
    },
  }
}
