/**
 * The composable as a component or a store would run it: inside a detached effect scope that
 * the test stops, which is when every listener and timer it took must go.
 */
import { effectScope } from 'vue'
import { useChunkedUpload, type UploadOptions } from '../../src/vue'
import { ScriptedTransport } from './scripted-transport'

/** `fn` run in a detached scope; `stop` ends the scope. */
export function inScope<T>(fn: () => T): { value: T; stop: () => void } {
  const scope = effectScope(true)
  const value = scope.run(fn)!
  return { value, stop: () => scope.stop() }
}

/** useChunkedUpload in a detached scope, over a ScriptedTransport, hashing off unless asked. */
export function scopedUpload(options: UploadOptions) {
  const { value: up, stop } = inScope(() =>
    useChunkedUpload({ transport: new ScriptedTransport(), hashing: false, ...options }),
  )
  return { up, stop }
}
