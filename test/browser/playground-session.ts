import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { createServer } from 'vite'
import { startReferenceServer, type RunningReferenceServer } from '../../server/index'
import { launchChromium, type BrowserSession } from './harness'

export interface PlaygroundSession {
  readonly chromium: BrowserSession
  readonly server: RunningReferenceServer
  /** The reference server's store directory. */
  readonly root: string
  /** The playground's URL. */
  readonly url: string
  close(): Promise<void>
}

/**
 * What `npm run dev` starts, for tests: the reference server on a fresh store, the
 * playground's Vite server pointed at it, and Debian's Chromium.
 */
export async function startPlayground(): Promise<PlaygroundSession> {
  const root = mkdtempSync(join(tmpdir(), 'vcu-pg-'))
  const server = await startReferenceServer({ root })
  process.env.VITE_UPLOAD_ENDPOINT = server.httpUrl
  const playground = await createServer({
    configFile: fileURLToPath(new URL('../../playground/vite.config.ts', import.meta.url)),
    server: { port: 0, strictPort: false, hmr: false },
    logLevel: 'warn',
  })
  await playground.listen()
  const { port } = playground.httpServer!.address() as { port: number }
  const chromium = await launchChromium()
  return {
    chromium,
    server,
    root,
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await Promise.allSettled([chromium.close(), playground.close(), server.close()])
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** The playground session of the enclosing block: started in `beforeAll`, closed in `afterAll`. */
export function playgroundRig(): { readonly session: PlaygroundSession } {
  const rig = {} as { session: PlaygroundSession }
  beforeAll(async () => {
    rig.session = await startPlayground()
  })
  afterAll(() => rig.session?.close())
  return rig
}
