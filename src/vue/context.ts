import { isClient, useOnline } from '@vueuse/core'
import {
  effectScope,
  inject,
  markRaw,
  shallowReadonly,
  shallowRef,
  type InjectionKey,
  type ShallowRef,
  watch,
  type EffectScope,
} from 'vue'
import type { PendingUpload, Uploader, UploaderSnapshot, UploadSnapshot } from '../core'
import { createDefaultUploader } from './defaults'
import { createFrameBatch } from './frame-batched'
import { hasEngine, restrictionGetters, toEngineOptions, type UploadOptions } from './options'

/**
 * Least time between two reads of the pending uploads that uploads starting and finishing
 * ask for (the app's `refresh()`, going online, another tab's uploads and a finished discard
 * read at once). Only uploads of a file the list shows (same name and size) ask: no other
 * upload can take a pending upload's place.
 */
export const EVENT_READ_MS = 500

export const EMPTY_SNAPSHOT: UploaderSnapshot = Object.freeze({
  uploads: Object.freeze([]),
  total: Object.freeze({ bytesUploaded: 0, size: 0, progress: 0, speed: 0, eta: undefined }),
  online: true,
  activeRequests: 0,
  elsewhere: Object.freeze([]),
})

/**
 * One engine and its reactive mirror, shared by every `useChunkedUpload()` below the
 * component (or app) that provided it. The engine is created on first use on the client,
 * never during server render or at import.
 */
export interface UploadContext {
  readonly options: Readonly<UploadOptions>
  /** The engine's latest snapshot; replaced (never mutated) on every change. */
  readonly snapshot: Readonly<ShallowRef<UploaderSnapshot>>
  /** Uploads from earlier visits, minus the dismissed ones. */
  readonly pending: Readonly<ShallowRef<readonly PendingUpload[]>>
  /** The engine, created now if needed; undefined on the server or without a protocol. */
  connect(): Uploader | undefined
  /** Reads the pending records again. */
  refreshPending(): Promise<void>
  /** Hides a pending record for this page's life; the record is kept. */
  dismiss(key: string): void
  /** How many pending records `dismiss` hides. */
  readonly dismissedCount: Readonly<ShallowRef<number>>
  /** Shows every dismissed pending record again. */
  undismiss(): void
  /** Stops mirroring and destroys the engine if this context created it. */
  dispose(): void
}

/** The injection key under which `UploadPlugin` and `provideChunkedUpload` provide the engine context. */
export const UploadContextKey: InjectionKey<UploadContext> = Symbol('vue-chunked-upload')

/**
 * The reactive engine context behind `useChunkedUpload`: the snapshot, the pending records
 * and the verbs, with the engine itself created lazily on the client. Call `dispose()` when
 * done (the plugin and `provideChunkedUpload` do).
 */
export function createUploadContext(options: UploadOptions): UploadContext {
  const snapshot = shallowRef<UploaderSnapshot>(EMPTY_SNAPSHOT)
  const records = shallowRef<readonly PendingUpload[]>([])
  const pending = shallowRef<readonly PendingUpload[]>([])
  const dismissed = new Set<string>()
  const hidden = shallowRef(0)
  let engine: Uploader | undefined
  let owned = false
  let offs: (() => void)[] = []
  let network: EffectScope | undefined
  let disposed = false
  /** The read running now, and whether another must follow it. */
  let reading: Promise<void> | undefined
  let readAgain = false
  let lastReadAt = -Infinity

  const showPending = () => {
    pending.value = records.value.filter((record) => !dismissed.has(record.key))
    hidden.value = records.value.length - pending.value.length
  }

  /**
   * Reads the pending records. Reads never overlap: one asked for while another runs
   * follows it (however many were asked for meanwhile), so a burst of uploads starting
   * and finishing costs two reads, not one per event.
   */
  function refreshPending(): Promise<void> {
    const uploader = connect()
    if (!uploader) return Promise.resolve()
    if (reading) {
      readAgain = true
      return reading
    }
    reading = (async () => {
      try {
        do {
          readAgain = false
          lastReadAt = Date.now()
          const list = await uploader.pending()
          if (disposed) return
          records.value = list
          showPending()
        } while (readAgain)
      } finally {
        reading = undefined
      }
    })()
    return reading
  }

  function connect(): Uploader | undefined {
    if (engine || disposed || !isClient || !hasEngine(options)) return engine
    if (options.uploader) {
      engine = typeof options.uploader === 'function' ? options.uploader() : options.uploader
      // Restrictions named here apply to that engine too, so it refuses what the dropzone says.
      const named = restrictionGetters(options)
      if (Object.keys(named).length > 0) engine.setRestrictions(named)
    } else {
      const protocol =
        typeof options.protocol === 'function' ? options.protocol() : options.protocol!
      engine = createDefaultUploader({
        ...toEngineOptions(options, protocol),
        store: options.store,
        crossTab: options.crossTab,
      })
      owned = true
    }
    engine = markRaw(engine)
    const uploader = engine
    snapshot.value = uploader.getSnapshot()
    const refresh = () => void refreshPending()
    // Uploads starting and finishing read again at most every EVENT_READ_MS: a folder of
    // small files must not read the store and ask the server about each pending upload
    // back to back for the whole run.
    let eventRead: ReturnType<typeof setTimeout> | undefined
    const refreshAfterEvent = ({ upload }: { upload: UploadSnapshot }) => {
      // Only the same file can take a listed record over (its resume key holds the name and
      // size). While a read runs, the list may not show it yet: ask anyway.
      const { name, size } = upload.file
      const listed = records.value.some((r) => r.file.name === name && r.file.size === size)
      if (!listed && !reading) return
      if (eventRead !== undefined) return
      const wait = lastReadAt + EVENT_READ_MS - Date.now()
      if (wait <= 0) return refresh()
      eventRead = setTimeout(() => {
        eventRead = undefined
        refresh()
      }, wait)
    }
    // Uploads other tabs start or stop sending leave or join the pending list.
    const keysElsewhere = (s: UploaderSnapshot) =>
      [...new Set((s.elsewhere ?? []).map((u) => u.key))].sort().join('\n')
    // One reactive update per frame at most: every update re-runs what reads the uploads.
    const frames = createFrameBatch<UploaderSnapshot>((next) => {
      const moved = keysElsewhere(next) !== keysElsewhere(snapshot.value)
      snapshot.value = next
      if (moved) refresh()
    })
    offs = [
      uploader.subscribe((next) => frames.push(next)),
      () => frames.dispose(),
      // A resumed upload leaves the pending list; a finished or canceled one may free a record.
      uploader.on('upload-started', refreshAfterEvent),
      uploader.on('upload-success', refreshAfterEvent),
      uploader.on('upload-canceled', refreshAfterEvent),
      () => clearTimeout(eventRead),
      // A discard that waited for the server went through.
      uploader.on('pending-changed', refresh),
    ]
    // Back online: discards that could not reach the server are tried again by the read.
    window.addEventListener('online', refresh)
    offs.push(() => window.removeEventListener('online', refresh))
    // The browser's online/offline events drive the engine; its own stall and network-error
    // detection covers the times `navigator.onLine` says online without a working link.
    // A scope of its own, since the engine may be created outside any component.
    network = effectScope(true)
    network.run(() => {
      const online = useOnline()
      if (!online.value) uploader.setOnline(false)
      watch(online, (value) => uploader.setOnline(value))
    })
    refresh()
    return uploader
  }

  return {
    options,
    snapshot: shallowReadonly(snapshot),
    pending: shallowReadonly(pending),
    connect,
    refreshPending,
    dismiss(key) {
      dismissed.add(key)
      showPending()
    },
    dismissedCount: shallowReadonly(hidden),
    undismiss() {
      dismissed.clear()
      showPending()
    },
    dispose() {
      disposed = true
      offs.forEach((off) => off())
      offs = []
      network?.stop()
      network = undefined
      if (owned) engine?.destroy()
      engine = undefined
    },
  }
}

/** The nearest provided context, if any (outside a component: none). */
export function injectUploadContext(): UploadContext | undefined {
  return inject(UploadContextKey, undefined)
}
