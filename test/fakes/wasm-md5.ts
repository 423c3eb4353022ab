/**
 * For the tests that choose how hash-wasm is loaded: a loader that fails as a page whose CSP
 * refuses WebAssembly does, and the reset each of those tests needs afterwards.
 */
import { vi } from 'vitest'
import { setWasmMd5Loader } from '../../src/hashing/md5-engine'

/** A loader standing in for a page whose CSP refuses WebAssembly. */
export const refusingLoader = () =>
  Promise.resolve(() =>
    Promise.reject(new WebAssembly.CompileError('WebAssembly.instantiate(): Refused to compile')),
  )

/** Back to the default loader and the real globals (for `afterEach`). */
export function restoreMd5Loader(): void {
  setWasmMd5Loader(undefined)
  vi.unstubAllGlobals()
}
