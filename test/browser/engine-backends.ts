/**
 * The three backends for the cross-engine suites, observed from the server side (only
 * Chromium's driver reports the page's requests): the soak rig's reference server (HTTP
 * chunk protocol, @tus/server, S3 signer) and local S3, each behind a proxy that counts
 * upload bytes and can slow them down, since only Chromium can throttle its own network.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ListMultipartUploadsCommand, ListPartsCommand } from '@aws-sdk/client-s3'
import { createS3Client } from '../../server/s3'
import type { FaultProxy, RequestInfo } from '../fault-proxy'
import { SoakRig } from '../soak/rig'
import { md5OfFile } from './harness'
import { httpHeld, tusHeld } from './held'

export type ProtocolName = 'http' | 'tus' | 's3'
export const PROTOCOLS: readonly ProtocolName[] = ['http', 'tus', 's3']

export async function startRig(): Promise<SoakRig> {
  const rig = new SoakRig({ seed: 18 })
  await rig.start()
  return rig
}

/** A browser's upload body (the signer's own S3 calls carry no Origin). */
const isUploadBody = (request: RequestInfo) =>
  (request.method === 'PUT' || request.method === 'PATCH') && !!request.headers.origin

const baseDecide = new WeakMap<FaultProxy, FaultProxy['scenario']['decide']>()

/** From now on every upload body through `proxy` goes at most `bytesPerSecond` (0: full speed). */
export function throttleUploads(proxy: FaultProxy, bytesPerSecond: number): void {
  const scenario = proxy.scenario
  if (!baseDecide.has(proxy)) baseDecide.set(proxy, scenario.decide.bind(scenario))
  const base = baseDecide.get(proxy)!
  scenario.decide =
    bytesPerSecond > 0
      ? (request) =>
          isUploadBody(request)
            ? { kind: 'throttle', bytesPerSecond, forMs: 3_600_000 }
            : base(request)
      : base
}

/** Both proxies of the rig: the reference server's and S3's. */
export function throttleAll(rig: SoakRig, bytesPerSecond: number): void {
  throttleUploads(rig.appProxy, bytesPerSecond)
  throttleUploads(rig.s3Proxy, bytesPerSecond)
}

/** Upload body bytes both proxies took from browsers so far (re-sent bytes included). */
export const bodyBytes = (rig: SoakRig): number => rig.appProxy.bodyBytes + rig.s3Proxy.bodyBytes

/** Bytes the server holds for an upload now, from its own status (S3: ListParts). */
export async function heldOnServer(
  rig: SoakRig,
  protocol: ProtocolName,
  remote: Record<string, unknown>,
): Promise<number> {
  if (protocol === 's3') {
    const client = createS3Client({
      endpoint: rig.s3.endpoint,
      region: rig.s3.region,
      credentials: rig.s3.credentials,
      forcePathStyle: true,
    })
    try {
      const Bucket = rig.s3.bucket
      const Key = String(remote.key)
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket }))
      const upload = listed.Uploads?.find((u) => u.Key === Key)
      if (!upload) return 0
      const parts = await client.send(
        new ListPartsCommand({ Bucket, Key, UploadId: upload.UploadId }),
      )
      return (parts.Parts ?? []).reduce((sum, part) => sum + (part.Size ?? 0), 0)
    } finally {
      client.destroy()
    }
  }
  if (protocol === 'http') return httpHeld(rig.endpoints.http, remote.id)
  return tusHeld(remote.url)
}

/** MD5s of every file a backend stores complete, to find a source's among. */
export async function storedMd5s(rig: SoakRig, protocol: ProtocolName): Promise<string[]> {
  const dir =
    protocol === 'http'
      ? join(rig.root, 'http', 'files')
      : protocol === 'tus'
        ? join(rig.root, 'tus')
        : join(rig.s3.directory, rig.s3.bucket)
  const keep = (name: string) =>
    protocol === 's3'
      ? name.endsWith('._S3rver_object')
      : !name.endsWith('.json') && !name.startsWith('.')
  const names = (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter(keep)
  return Promise.all(names.map((name) => md5OfFile(join(dir, name)).catch(() => 'unreadable')))
}
