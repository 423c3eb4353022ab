/**
 * Vitest set-up for the reference server's tests, written once: a fresh server for each
 * test, disposed (closed, store deleted) after it.
 */
import { afterEach, beforeEach } from 'vitest'
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
