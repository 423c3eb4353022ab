/**
 * Vitest set-up for the reference server's tests, written once: a fresh server for each
 * test, or one for a whole block, each closed and its store deleted after.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import {
  startReferenceServer,
  type RunningReferenceServer,
  type StartReferenceServerOptions,
} from '../index'
import { startTestServer, type TestServer } from './harness'

/**
 * Starts a server with `options` before each test and hands it to `use`; after the test it
 * disposes that server, or the last one its `restart` (and theirs) started.
 */
export function serverPerTest(
  use: (server: TestServer) => void,
  options?: Parameters<typeof startTestServer>[0],
): void {
  let latest: TestServer | undefined
  const track = (server: TestServer): TestServer => {
    latest = server
    return { ...server, restart: async (more) => track(await server.restart(more)) }
  }
  beforeEach(async () => use(track(await startTestServer(options))))
  afterEach(async () => {
    await latest?.dispose()
    latest = undefined
  })
}

/**
 * Starts one server for the tests of the enclosing block, on a store in a fresh temporary
 * `root` (`options` may add routes under it), hands both to `use`, and disposes them after.
 */
export function serverPerBlock(
  use: (server: RunningReferenceServer, root: string) => void,
  options: (
    root: string,
  ) =>
    | Partial<StartReferenceServerOptions>
    | Promise<Partial<StartReferenceServerOptions>> = () => ({}),
): void {
  let server: RunningReferenceServer | undefined
  let root: string | undefined
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'vcu-server-'))
    server = await startReferenceServer({ root, ...(await options(root)) })
    use(server, root)
  })
  afterAll(async () => {
    await server?.close()
    if (root) await rm(root, { recursive: true, force: true })
  })
}
