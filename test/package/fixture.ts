/**
 * The set-up of the tests that run a test/consumers app, written once: the packed tarball
 * installed in the app, Chromium, and a reference server on a fresh store per upload; all of
 * it closed (the stores deleted) after the enclosing block.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, inject } from 'vitest'
import { startReferenceServer } from '../../server/index'
import { launchChromium, type BrowserSession } from '../browser/harness'
import { installTarball, requireInstalled } from './tarball'

/** Installs the packed tarball (global set-up's) in the fixture app at `app`. */
export function installInApp(app: string): void {
  requireInstalled(app)
  installTarball(app, inject('tarball'))
}

export interface ConsumerRig {
  chromium: BrowserSession
  /** The app's server, once a test has started it; closed with the rig. */
  app?: { url: string; close(): Promise<void> }
  /** Starts a reference server on a fresh store, closed and deleted with the rig. */
  referenceServer(): Promise<{ httpUrl: string; storeRoot: string }>
}

/** The rig of the enclosing block, for the fixture app at `app`. */
export function consumerRig(app: string): ConsumerRig {
  const cleanup: (() => unknown)[] = []
  const rig: Omit<ConsumerRig, 'chromium'> & { chromium?: BrowserSession } = {
    async referenceServer() {
      const storeRoot = mkdtempSync(join(tmpdir(), 'vcu-consumer-'))
      const reference = await startReferenceServer({ root: storeRoot })
      cleanup.push(
        () => reference.close(),
        () => rmSync(storeRoot, { recursive: true, force: true }),
      )
      return { httpUrl: reference.httpUrl, storeRoot }
    },
  }
  beforeAll(async () => {
    installInApp(app)
    rig.chromium = await launchChromium()
  })
  afterAll(async () => {
    await Promise.allSettled([rig.chromium?.close(), rig.app?.close(), ...cleanup.map((f) => f())])
  })
  return rig as ConsumerRig
}
