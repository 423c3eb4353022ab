/**
 * The engine the unit tests script: `createUploader` over a ScriptedTransport and a FakeClock
 * (time moves only when the test advances it), with 100-byte parts. Every other option is
 * the test's, and any of these three can be overridden.
 */
import {
  createUploader,
  type UploaderOptions,
  type UploaderSnapshot,
  type UploadProtocol,
} from '../../src/core'
import { FakeClock } from './fake-clock'
import { ScriptedTransport } from './scripted-transport'

export type ScriptedEngineOptions = Partial<UploaderOptions> & {
  protocol: UploadProtocol
  clock?: FakeClock
  transport?: ScriptedTransport
}

/** The engine, its clock and transport, and every snapshot it published. */
export function scriptedEngine(options: ScriptedEngineOptions) {
  const { clock = new FakeClock(), transport = new ScriptedTransport() } = options
  const uploader = createUploader({ chunkSize: 100, ...options, clock, transport })
  const snapshots: UploaderSnapshot[] = []
  uploader.subscribe((snapshot) => snapshots.push(snapshot))
  return { uploader, clock, transport, snapshots }
}
