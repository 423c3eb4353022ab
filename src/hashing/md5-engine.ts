/**
 * The two MD5 implementations behind one incremental interface: hash-wasm's WebAssembly MD5
 * (about 3× faster in Chromium; the default in the hashing Worker, loaded there by dynamic
 * import) and spark-md5 (plain JS: the fallback where WebAssembly is refused, and the default
 * on the main thread, so a page that hashes inline never loads hash-wasm unless asked).
 */
import SparkMD5 from 'spark-md5'
import { UploadError } from '../core/errors'

/**
 * Which MD5 implementation hashes: `'spark'` (spark-md5, JavaScript) or `'wasm'`
 * (hash-wasm, WebAssembly; needs `'wasm-unsafe-eval'` under a Content Security Policy).
 */
export type Md5Engine = 'spark' | 'wasm'

/** Which engine hashes where, once the `md5` option (if any) is applied. */
export interface Md5Engines {
  /** The engine in the hashing Worker. */
  readonly worker: Md5Engine
  /** The engine on the main thread (no Worker, or the Worker's fallback). */
  readonly inline: Md5Engine
}

/**
 * The engines for an `md5` option: a given engine is used everywhere; without one the Worker
 * hashes with WebAssembly (falling back to spark-md5 where a CSP refuses it) and the main
 * thread with spark-md5, which needs no extra chunk and no `'wasm-unsafe-eval'`.
 */
export function resolveMd5Engines(md5?: Md5Engine): Md5Engines {
  return md5 === undefined ? { worker: 'wasm', inline: 'spark' } : { worker: md5, inline: md5 }
}

/**
 * One running MD5: bytes in, lower-case hex out. `destroy` releases it (also after `end`);
 * nothing may be called on it after that.
 */
export interface IncrementalMd5 {
  append(bytes: ArrayBuffer): void
  end(): string
  destroy(): void
}

/** Told when the selected engine could not start and spark-md5 hashes instead. */
export type Md5FallbackListener = (warning: UploadError) => void

function sparkMd5(): IncrementalMd5 {
  const spark = new SparkMD5.ArrayBuffer()
  return {
    append: (bytes) => spark.append(bytes),
    end: () => spark.end(),
    destroy: () => spark.destroy(),
  }
}

/** One hash-wasm MD5 instance (its own WebAssembly instance and memory). */
interface WasmMd5 {
  init(): unknown
  update(data: Uint8Array): unknown
  digest(encoding: 'hex'): string
}

type CreateWasmMd5 = () => Promise<WasmMd5>

/**
 * Loads hash-wasm's MD5 once per realm (page or worker). A refusal (CSP without
 * `'wasm-unsafe-eval'`, no WebAssembly, the chunk not loading) is remembered too, so every
 * later hash goes straight to spark-md5.
 */
let wasmLoader: Promise<CreateWasmMd5> | undefined
let customLoad: (() => Promise<CreateWasmMd5>) | undefined

/**
 * Instances whose hash ended, kept for the next ones. Each `createMD5()` instantiates a new
 * WebAssembly instance with its own memory, which costs about as much as hashing 100 KB: a
 * folder of small files would pay it once a file. Concurrent hashes take distinct instances.
 */
const idleWasm: WasmMd5[] = []
/**
 * Most idle instances kept (more run at once only with more hashes in flight). Each holds
 * 128 KiB of WebAssembly memory, whatever it hashed: at most 512 KiB kept in a realm.
 */
export const MAX_IDLE_WASM_MD5 = 4

/** For tests: replaces how hash-wasm is loaded (`undefined` restores the real import). */
export function setWasmMd5Loader(load: (() => Promise<CreateWasmMd5>) | undefined): void {
  customLoad = load
  wasmLoader = undefined
  idleWasm.length = 0
}

function loadWasm(): Promise<CreateWasmMd5> {
  wasmLoader ??= customLoad ? customLoad() : import('hash-wasm').then(({ createMD5 }) => createMD5)
  return wasmLoader
}

async function wasmMd5(): Promise<IncrementalMd5> {
  const createMD5 = await loadWasm()
  // Instantiation is where a strict CSP refuses WebAssembly, so it is inside the try of the caller.
  const md5 = idleWasm.pop() ?? (await createMD5())
  md5.init()
  let released = false
  const live = () => {
    if (released) throw new Error('This MD5 was destroyed')
    return md5
  }
  return {
    // A view, not a copy: hash-wasm reads the bytes into its own memory in chunks.
    append: (bytes) => void live().update(new Uint8Array(bytes)),
    end: () => live().digest('hex'),
    // Back to the idle instances: the next hash starts it over with `init()`.
    destroy: () => {
      if (released) return
      released = true
      if (idleWasm.length < MAX_IDLE_WASM_MD5) idleWasm.push(md5)
    },
  }
}

/**
 * A fresh MD5 of the chosen engine. When `'wasm'` cannot start, resolves with spark-md5
 * instead and calls `onFallback` with an `UploadError` of code `wasm-unavailable`.
 */
export async function createMd5(
  engine: Md5Engine = 'spark',
  onFallback?: Md5FallbackListener,
): Promise<IncrementalMd5> {
  if (engine !== 'wasm') return sparkMd5()
  try {
    return await wasmMd5()
  } catch (error) {
    onFallback?.(
      new UploadError(
        'wasm-unavailable',
        'WebAssembly MD5 could not start (a Content Security Policy without wasm-unsafe-eval?); hashing with spark-md5',
        { retryable: false, cause: error },
      ),
    )
    return sparkMd5()
  }
}
