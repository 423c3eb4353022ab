/**
 * Drives Debian's browsers against a page served by Vite from `pages/`, which imports the
 * library from `src/` the way an app would: Chromium through playwright-core
 * (`launchChromium`), or any of Chromium, Firefox ESR and WebKitGTK through
 * `launchEngine(engine)` (see engines.ts). Shared by the browser tests and `npm run bench`.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import vue from '@vitejs/plugin-vue'
import { createServer, type Plugin, type ViteDevServer } from 'vite'
import { CHROMIUM, CHROMIUM_ARGS, playwrightPage, type EnginePage } from './engines'
import type { VcuApi } from './pages/main'

export { CHROMIUM, CHROMIUM_ARGS }
/** The engine-neutral harness: `launchEngine(engine)` gives pages that work with the helpers below. */
export {
  ENGINE_FEATURES,
  ENGINES,
  launchEngine,
  type EngineName,
  type EnginePage,
  type EngineSession,
} from './engines'

/** A Playwright page (Chromium-only tests) or any engine's page. */
export type AnyPage = Page | EnginePage

const engineOf = (page: AnyPage): EnginePage =>
  'engine' in page && typeof page.engine === 'string' ? page : playwrightPage(page as Page)

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Fails (never skips) when the browser is missing: CI must run these tests. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium'`,
    )
  }
}

export interface BrowserSession {
  readonly context: BrowserContext
  readonly userDataDir: string
  newPage(): Promise<Page>
  close(): Promise<void>
}

export async function launchChromium(): Promise<BrowserSession> {
  requireChromium()
  const userDataDir = mkdtempSync(join(tmpdir(), 'vcu-chromium-'))
  // A fresh profile each time, so no IndexedDB or cache leaks between runs.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  })
  return {
    context,
    userDataDir,
    newPage: () => context.newPage(),
    async close() {
      await context.close()
      rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

/** Additions for {@link startPageServer}, e.g. the bench's `@uppy6/*` packages. */
export interface PageServerOptions {
  /** More import aliases, after the library's own. */
  readonly alias?: readonly { find: string | RegExp; replacement: string }[]
  /** More dependencies to pre-bundle at start (so a later import never reloads the page). */
  readonly include?: readonly string[]
  /** The folder to serve (default `test/browser/pages`), e.g. the bench's own page. */
  readonly root?: string
  /**
   * Headers added to the responses whose path matches, e.g. a strict CSP on the hashing
   * worker (what Playwright's routing does in Chromium, for every engine).
   */
  readonly headers?: { readonly path: RegExp; readonly values: Readonly<Record<string, string>> }
  /** Paths forwarded to another server (Vite's `server.proxy`), e.g. a backend made same-origin. */
  readonly proxy?: Readonly<Record<string, string>>
}

/** A Vite plugin that sets `headers.values` on responses whose URL matches `headers.path`. */
function addHeaders(headers: NonNullable<PageServerOptions['headers']>): Plugin {
  return {
    name: 'vcu-test-headers',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        if (headers.path.test(request.url ?? ''))
          for (const [name, value] of Object.entries(headers.values))
            response.setHeader(name, value)
        next()
      })
    },
  }
}

/** Serves `test/browser/pages` (or `options.root`) with the library aliased to `src/`. */
export async function startPageServer(
  options: PageServerOptions = {},
): Promise<{ url: string; close(): Promise<void> }> {
  // Each server pre-bundles its dependencies into a folder of its own. Servers with different
  // plugins or includes start at once (two in one file, others in parallel files) and, sharing
  // node_modules/.vite, replaced each other's deps: on a clean clone a page then never loaded.
  const pagesCache = join(root, 'node_modules/.vite-pages')
  mkdirSync(pagesCache, { recursive: true })
  const cacheDir = mkdtempSync(join(pagesCache, 'server-'))
  const server: ViteDevServer = await createServer({
    configFile: false,
    cacheDir,
    root: options.root ?? join(root, 'test/browser/pages'),
    // The public entry exports the components (.vue files) too.
    plugins: [vue(), ...(options.headers ? [addHeaders(options.headers)] : [])],
    logLevel: 'warn',
    resolve: {
      alias: [
        { find: /^vue-chunked-upload$/, replacement: join(root, 'src/index.ts') },
        { find: /^vue-chunked-upload\/([\w-]+)$/, replacement: join(root, 'src/entries/$1.ts') },
        ...(options.alias ?? []),
      ],
    },
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      hmr: false,
      fs: { allow: [root] },
      proxy: options.proxy ? { ...options.proxy } : undefined,
    },
    optimizeDeps: {
      include: ['axios', 'spark-md5', 'hash-wasm', 'tus-js-client', ...(options.include ?? [])],
    },
  })
  await server.listen()
  const address = server.httpServer!.address()
  if (!address || typeof address === 'string') throw new Error('page server has no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      await server.close()
      rmSync(cacheDir, { recursive: true, force: true })
    },
  }
}

/**
 * A file of random bytes on disk (so Chromium's File is disk-backed, never in memory),
 * reused between runs, with its MD5.
 */
export async function randomFile(
  size: number,
  name = `vcu-random-${size}.bin`,
): Promise<{ path: string; md5: string }> {
  const dir = join(tmpdir(), 'vcu-files')
  const path = join(dir, name)
  const existing = await stat(path).catch(() => undefined)
  if (existing?.size !== size) {
    const { mkdir } = await import('node:fs/promises')
    await mkdir(dir, { recursive: true })
    const handle = await open(path, 'w')
    const piece = 16 * 1024 * 1024
    for (let written = 0; written < size; written += piece) {
      await handle.write(randomBytes(Math.min(piece, size - written)))
    }
    await handle.close()
  }
  return { path, md5: await md5OfFile(path) }
}

export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5')
  const handle = await open(path, 'r')
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 4 * 1024 * 1024 }))
      hash.update(chunk as Buffer)
  } finally {
    await handle.close().catch(() => {})
  }
  return hash.digest('hex')
}

/** Opens the test page and puts the file into its `<input type=file>` (disk-backed). */
export async function openWithFile(
  page: AnyPage,
  pageUrl: string,
  filePath: string,
): Promise<void> {
  const driven = engineOf(page)
  await driven.goto(`${pageUrl}/index.html`)
  await driven.waitForFunction(() => (window as unknown as { vcu?: unknown }).vcu !== undefined)
  await driven.setInputFiles('#file', filePath)
}

/** Calls one of the test page's `window.vcu` operations with JSON-serializable arguments. */
export function callPage<K extends keyof VcuApi>(
  page: AnyPage,
  method: K,
  ...args: Parameters<VcuApi[K]>
): Promise<Awaited<ReturnType<VcuApi[K]>>> {
  return engineOf(page).evaluate(
    ([name, params]) => {
      const api = (window as unknown as { vcu: Record<string, (...a: unknown[]) => unknown> }).vcu
      return api[name](...params)
    },
    [method, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<VcuApi[K]>>>
}

/** Samples the page's JS heap through CDP; returns a stop function giving the peak in bytes. */
export async function sampleHeap(page: Page, everyMs = 50): Promise<() => Promise<number>> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  let peak = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const { metrics } = await cdp.send('Performance.getMetrics')
      const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0
      peak = Math.max(peak, used)
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return async () => {
    running = false
    await loop
    await cdp.detach().catch(() => {})
    return peak
  }
}
