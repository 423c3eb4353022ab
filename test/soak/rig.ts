/**
 * What the soak runs against, all on 127.0.0.1 with port 0: the reference server (HTTP
 * chunk protocol, tus, S3 signer) behind one fault proxy, the local S3 behind another
 * (the signer's public endpoint, so presigned part PUTs go through it), and checks of what
 * each server stores.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3'
import { startReferenceServer, type RunningReferenceServer } from '../../server/index'
import { createS3Client, createS3SigningHandler } from '../../server/s3'
import { startLocalS3, type LocalS3 } from '../../server/s3-local'
import { createTusEndpoint } from '../../server/tus'
import { FaultProxy, FaultScenario, type FaultKind, type RequestInfo } from '../fault-proxy'
import type { SoakProtocol, UploadView } from '../browser/pages/soak'

export interface RigOptions {
  readonly seed: number
  /** Chance that a request gets a random fault (0 = scripted faults only). @default 0 */
  readonly faultRate?: number
  /** Bound in count of the random faults, per proxy. @default Infinity */
  readonly maxFaults?: number
}

/** Faults for the reference server's routes (no S3 expiry there). */
const APP_FAULTS: Partial<Record<FaultKind, number>> = {
  cut: 3,
  '500': 1,
  '502': 1,
  '503': 1,
  '429': 1,
  stall: 1,
  latency: 2,
  throttle: 2,
}
/** Faults for presigned part PUTs. */
const S3_FAULTS: Partial<Record<FaultKind, number>> = { ...APP_FAULTS, expired: 4 }

/** A page's part PUT (the signer's own SDK calls carry no Origin and are left alone). */
export const isPartPut = (request: RequestInfo): boolean =>
  request.method === 'PUT' && request.url.includes('partNumber=') && !!request.headers.origin

export class SoakRig {
  readonly root = mkdtempSync(join(tmpdir(), 'vcu-soak-'))
  appProxy!: FaultProxy
  s3Proxy!: FaultProxy
  s3!: LocalS3
  server!: RunningReferenceServer
  restarts = 0
  private signerClient!: S3Client
  private directClient!: S3Client

  constructor(private readonly options: RigOptions) {}

  get endpoints(): Record<SoakProtocol, string> {
    const base = this.appProxy.url
    return { http: `${base}/http`, tus: `${base}/tus`, s3: `${base}/s3` }
  }

  async start(): Promise<void> {
    const { seed, faultRate = 0, maxFaults } = this.options
    this.s3 = await startLocalS3()
    const s3Port = Number(new URL(this.s3.endpoint).port)
    this.s3Proxy = new FaultProxy({
      targetPort: s3Port,
      // A fresh connection per part PUT: a cut then always reaches the page (see FaultProxy).
      keepAlive: false,
      scenario: new FaultScenario({
        seed: seed + 1,
        probability: faultRate,
        kinds: S3_FAULTS,
        match: isPartPut,
        maxFaults,
      }),
    })
    await this.s3Proxy.listen()
    const s3Options = { region: this.s3.region, credentials: this.s3.credentials }
    // Presigned URLs name the proxy: they are signed over its Host, which it forwards as is.
    this.signerClient = createS3Client({
      ...s3Options,
      endpoint: this.s3Proxy.url,
      forcePathStyle: true,
    })
    this.directClient = createS3Client({
      ...s3Options,
      endpoint: this.s3.endpoint,
      forcePathStyle: true,
    })
    this.server = await this.startServer()
    this.appProxy = new FaultProxy({
      targetPort: this.server.port,
      scenario: new FaultScenario({
        seed,
        probability: faultRate,
        kinds: APP_FAULTS,
        maxFaults,
      }),
    })
    await this.appProxy.listen()
  }

  private startServer(): Promise<RunningReferenceServer> {
    return startReferenceServer({
      root: join(this.root, 'http'),
      routes: [
        createTusEndpoint({ root: join(this.root, 'tus') }),
        {
          basePath: '/s3',
          handler: createS3SigningHandler({
            client: this.signerClient,
            bucket: this.s3.bucket,
            // Fixed, so upload ids outlive the restart.
            secret: 'soak-secret-soak-secret-soak-secret',
          }),
        },
      ],
    })
  }

  /** Stops the reference server, leaves it down for `downMs`, starts it on the same store. */
  async restart(downMs: number): Promise<void> {
    await this.server.close()
    await new Promise((resolve) => setTimeout(resolve, downMs))
    this.server = await this.startServer()
    this.appProxy.setTarget(this.server.port)
    this.restarts++
  }

  /** Stops random faults on both proxies (scripted ones still apply). */
  stopFaults(): void {
    this.appProxy.scenario.stop()
    this.s3Proxy.scenario.stop()
  }

  /** Where the server stored a finished upload. */
  storedPath(upload: UploadView): string {
    switch (upload.protocol) {
      case 'http':
        return join(this.root, 'http', 'files', String(upload.id))
      case 'tus':
        return join(this.root, 'tus', basename(String(upload.location)))
      case 's3':
        return join(this.s3.directory, this.s3.bucket, `${upload.location}._S3rver_object`)
    }
  }

  /** Unfinished uploads any server still holds: HTTP upload dirs, partial tus files, S3 multipart uploads. */
  async leftovers(): Promise<Record<SoakProtocol, string[]>> {
    const httpDir = join(this.root, 'http', 'uploads')
    const http = [
      ...new Set(
        (await readdir(httpDir).catch(() => [] as string[])).map((name) => name.split('.')[0]),
      ),
    ]
    const tusDir = join(this.root, 'tus')
    const tus: string[] = []
    for (const name of await readdir(tusDir).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue
      const id = name.slice(0, -'.json'.length)
      const info = JSON.parse(await readFile(join(tusDir, name), 'utf8')) as { size?: number }
      const held = (await stat(join(tusDir, id)).catch(() => undefined))?.size ?? -1
      if (info.size === undefined || held !== info.size) tus.push(id)
    }
    const listed = await this.directClient.send(
      new ListMultipartUploadsCommand({ Bucket: this.s3.bucket }),
    )
    const s3 = (listed.Uploads ?? []).map((upload) => String(upload.Key))
    return { http, tus, s3 }
  }

  async close(keep = false): Promise<void> {
    await Promise.allSettled([this.appProxy?.close(), this.s3Proxy?.close()])
    await this.server?.close().catch(() => undefined)
    this.signerClient?.destroy()
    this.directClient?.destroy()
    await this.s3?.close()
    if (!keep) rmSync(this.root, { recursive: true, force: true })
  }
}
