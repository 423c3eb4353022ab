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
import { createTusProtocol, type TusProtocolOptions } from '../../src/protocols/tus'
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

/** Where the scripted tus engine's uploads go (nothing listens: the transport is scripted). */
export const TUS_ENDPOINT = 'http://127.0.0.1:1/tus'

/** The headers of every tus answer. */
export const TUS_HEADERS = { 'tus-version': '1.0.0', 'tus-resumable': '1.0.0' }

/**
 * A scripted engine on the tus protocol, in the order its requests can be answered one by
 * one: one lane, 64 KiB parts sent as one body, no hashing, fixed part size, retries after
 * 10 ms without jitter.
 */
export function scriptedTusEngine(
  extra: Partial<ScriptedEngineOptions> = {},
  tus: Partial<TusProtocolOptions> = {},
) {
  return scriptedEngine({
    protocol: createTusProtocol({ endpoint: TUS_ENDPOINT, ...tus }),
    concurrency: 1,
    stream: false,
    chunkSize: 64 * 1024,
    hashing: false,
    adaptive: false,
    retry: { jitter: 0, baseDelayMs: 10 },
    ...extra,
  })
}
