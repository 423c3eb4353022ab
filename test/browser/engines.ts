/**
 * One way to drive the three browser engines from Debian's packages, so a test is written
 * once and runs in each: Chromium through playwright-core, Firefox ESR through
 * puppeteer-core over WebDriver BiDi, WebKitGTK through selenium-webdriver and
 * WebKitWebDriver under Xvfb. Only what every driver can do is on {@link EnginePage};
 * what only one engine offers is listed in {@link ENGINE_FEATURES}, and tests that need it
 * say so in their name.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { Browser as PuppeteerBrowser, Page as PuppeteerPage } from 'puppeteer-core'
import type { WebDriver } from 'selenium-webdriver'
import { freePort } from '../infra/free-port'

export type EngineName = 'chromium' | 'firefox' | 'webkit'

/** Every engine `npm test` runs; `VCU_ENGINES=firefox,webkit` narrows a local run. */
export const ENGINES: readonly EngineName[] = (
  process.env.VCU_ENGINES?.split(',') ?? ['chromium', 'firefox', 'webkit']
).filter((name): name is EngineName => ['chromium', 'firefox', 'webkit'].includes(name))

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver'
export const WEBKIT_BROWSER =
  process.env.WEBKIT_BROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'
const XVFB_RUN = '/usr/bin/xvfb-run'

/** What differs between the engines as driven here (see docs/browsers.md). */
export const ENGINE_FEATURES: Record<
  EngineName,
  {
    /** The profile survives a browser restart (WebKit automation sessions are ephemeral). */
    readonly restart: boolean
    /** `showOpenFilePicker` and `getAsFileSystemHandle` (Chromium only). */
    readonly fileSystemAccess: boolean
    /** The driver can take the browser offline (CDP network emulation). */
    readonly networkEmulation: boolean
  }
> = {
  chromium: { restart: true, fileSystemAccess: true, networkEmulation: true },
  firefox: { restart: true, fileSystemAccess: false, networkEmulation: false },
  webkit: { restart: false, fileSystemAccess: false, networkEmulation: false },
}

/** Debian packages each engine comes from, for the error a missing one gives. */
const PACKAGES: Record<EngineName, [path: string, apt: string][]> = {
  chromium: [[CHROMIUM, 'chromium']],
  firefox: [[FIREFOX, 'firefox-esr']],
  webkit: [
    [WEBKIT_DRIVER, 'webkit2gtk-driver'],
    [WEBKIT_BROWSER, 'webkit2gtk-driver'],
    [XVFB_RUN, 'xvfb'],
    ['/usr/bin/xauth', 'xauth'],
  ],
}

/** Fails (never skips) when an engine is missing: CI must run these tests. */
export function requireEngine(engine: EngineName): void {
  for (const [path, apt] of PACKAGES[engine]) {
    if (!existsSync(path))
      throw new Error(`${engine}: ${path} not found; install it with 'apt-get install -y ${apt}'`)
  }
}

/** One tab of an engine, driven the same way in all three. */
export interface EnginePage {
  readonly engine: EngineName
  /** Navigates and waits until the document has loaded. */
  goto(url: string): Promise<void>
  /** Reloads and waits until the new document has loaded. */
  reload(): Promise<void>
  /** Runs `fn(arg)` in the page (its source is sent, so it may not close over anything). */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>
  /** Polls `fn(arg)` in the page until it is truthy. */
  waitForFunction<A = undefined>(
    fn: (arg: A) => unknown,
    arg?: A,
    options?: { timeout?: number },
  ): Promise<void>
  /** Puts a file on disk into an `<input type=file>` (a real, disk-backed File). */
  setInputFiles(selector: string, path: string): Promise<void>
  /** Clicks `selector`, which opens a file dialog, and answers the dialog with `path`. */
  chooseFile(selector: string, path: string): Promise<void>
  /** Clicks an element the way a user would. */
  click(selector: string): Promise<void>
  close(): Promise<void>
  /** The Playwright page behind it, in Chromium only (CDP, routing, request events). */
  readonly playwright?: Page
}

export interface EngineSession {
  readonly engine: EngineName
  /** The browser profile; kept on close when it was given to {@link launchEngine}. */
  readonly profileDir: string
  newPage(): Promise<EnginePage>
  close(): Promise<void>
  /** Chromium's Playwright context (offline emulation, CDP), where it is Chromium. */
  readonly context?: BrowserContext
}

export interface LaunchOptions {
  /**
   * A profile directory that outlives the browser (a restart test); not removed on close.
   * @default a fresh temporary one, removed on close
   */
  readonly profileDir?: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls an `evaluate` until it gives a truthy value; errors while a page loads are retried. */
async function poll(check: () => Promise<unknown>, what: string, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout
  let last: unknown
  for (;;) {
    try {
      if (await check()) return
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await sleep(100)
  }
}

/**
 * The page-side half of `reload`: marks the current document, so the wait can tell the
 * new one (loaded) from the old one (still there while the reload starts).
 */
async function reloadAndWait(page: EnginePage, reload: () => Promise<unknown>): Promise<void> {
  const mark = `vcu-${Math.random()}`
  await page.evaluate((m) => {
    ;(window as unknown as { vcuDocument?: string }).vcuDocument = m
  }, mark)
  await reload()
  await poll(
    () =>
      page.evaluate(
        (m) =>
          (window as unknown as { vcuDocument?: string }).vcuDocument !== m &&
          document.readyState === 'complete',
        mark,
      ),
    'the reloaded page',
  )
}

/** An EnginePage over a Playwright page (Chromium); also lets older tests join in. */
export function playwrightPage(page: Page): EnginePage {
  const self: EnginePage = {
    engine: 'chromium',
    playwright: page,
    async goto(url) {
      await page.goto(url)
    },
    reload: () => reloadAndWait(self, () => page.reload()),
    evaluate: (fn, arg) =>
      page.evaluate(fn as (a: unknown) => never, arg as unknown) as Promise<never>,
    waitForFunction: (fn, arg, options) =>
      poll(() => self.evaluate(fn, arg), 'a page condition', options?.timeout),
    setInputFiles: (selector, path) => page.setInputFiles(selector, path),
    async chooseFile(selector, path) {
      const chooser = page.waitForEvent('filechooser')
      await page.click(selector)
      await (await chooser).setFiles(path)
    },
    click: (selector) => page.click(selector),
    close: () => page.close(),
  }
  return self
}

async function launchChromium(profileDir: string): Promise<EngineSession> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  })
  return {
    engine: 'chromium',
    profileDir,
    context,
    newPage: async () => playwrightPage(await context.newPage()),
    close: () => context.close(),
  }
}

function puppeteerPage(page: PuppeteerPage): EnginePage {
  const self: EnginePage = {
    engine: 'firefox',
    async goto(url) {
      await page.goto(url, { waitUntil: 'load' })
    },
    reload: () => reloadAndWait(self, () => page.reload({ waitUntil: 'load' })),
    evaluate: (fn, arg) =>
      (arg === undefined
        ? page.evaluate(fn as () => never)
        : page.evaluate(fn as (a: unknown) => never, arg as unknown)) as never,
    waitForFunction: (fn, arg, options) =>
      poll(() => self.evaluate(fn, arg), 'a page condition', options?.timeout),
    async setInputFiles(selector, path) {
      const input = await page.waitForSelector(selector)
      if (!input) throw new Error(`no ${selector}`)
      await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(path)
    },
    async chooseFile(selector, path) {
      const [chooser] = await Promise.all([page.waitForFileChooser(), page.click(selector)])
      await chooser.accept([path])
    },
    click: (selector) => page.click(selector),
    close: () => page.close(),
  }
  return self
}

async function launchFirefox(profileDir: string): Promise<EngineSession> {
  const { default: puppeteer } = await import('puppeteer-core')
  const browser: PuppeteerBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profileDir,
    // With BiDi network events on, Firefox keeps every upload body in memory.
    networkEnabled: false,
  })
  return {
    engine: 'firefox',
    profileDir,
    newPage: async () => puppeteerPage(await browser.newPage()),
    close: () => browser.close(),
  }
}

/** WebDriver calls one at a time: each page first makes its window the current one. */
function serialized() {
  let chain: Promise<unknown> = Promise.resolve()
  return <T>(step: () => Promise<T>): Promise<T> => {
    const next = chain.then(step, step)
    chain = next.catch(() => undefined)
    return next
  }
}

function seleniumPage(
  driver: WebDriver,
  handle: string,
  home: string,
  exclusive: ReturnType<typeof serialized>,
): EnginePage {
  const inWindow = <T>(step: () => Promise<T>) =>
    exclusive(async () => {
      await driver.switchTo().window(handle)
      return step()
    })
  const self: EnginePage = {
    engine: 'webkit',
    async goto(url) {
      await inWindow(() => driver.get(url))
      await poll(() => self.evaluate(() => document.readyState === 'complete'), url)
    },
    // pageLoadStrategy 'none': refresh returns at once, the wait tells the new document.
    reload: () => reloadAndWait(self, () => inWindow(() => driver.navigate().refresh())),
    async evaluate(fn, arg) {
      const script =
        'const done = arguments[arguments.length - 1];' +
        `Promise.resolve().then(() => (${fn.toString()})(arguments[0])).then(` +
        // As JSON, like the other drivers: absent stays absent (WebDriver would give null).
        '(value) => done({ ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) }),' +
        '(error) => done({ ok: false, error: String((error && error.stack) || error) }))'
      const answer = (await inWindow(() =>
        driver.executeAsyncScript(script, arg === undefined ? null : arg),
      )) as { ok: boolean; value?: unknown; error?: string }
      if (!answer.ok) throw new Error(`in WebKit: ${answer.error}`)
      return (answer.value === null ? undefined : answer.value) as never
    },
    waitForFunction: (fn, arg, options) =>
      poll(() => self.evaluate(fn, arg), 'a page condition', options?.timeout),
    async setInputFiles(selector, path) {
      const { By } = await import('selenium-webdriver')
      await inWindow(async () => (await driver.findElement(By.css(selector))).sendKeys(path))
    },
    async chooseFile(selector, path) {
      // WebDriver cannot answer a native dialog: the input the click opens is kept (and
      // its dialog not shown), then the file is put into it as into any input.
      await self.evaluate((target) => {
        const proto = HTMLInputElement.prototype
        const original = proto.click
        proto.click = function (this: HTMLInputElement) {
          if (this.type !== 'file') return original.call(this)
          this.setAttribute('data-vcu-chooser', '')
          proto.click = original
        }
        document.querySelector<HTMLElement>(target)!.click()
      }, selector)
      await self.setInputFiles('input[data-vcu-chooser]', path)
      await self.evaluate(() =>
        document.querySelector('input[data-vcu-chooser]')?.removeAttribute('data-vcu-chooser'),
      )
    },
    async click(selector) {
      const { By } = await import('selenium-webdriver')
      await inWindow(async () => (await driver.findElement(By.css(selector))).click())
    },
    close: () =>
      exclusive(async () => {
        await driver.switchTo().window(handle)
        await driver.close()
        await driver.switchTo().window(home)
      }),
  }
  return self
}

async function launchWebKit(profileDir: string): Promise<EngineSession> {
  const { Capabilities, WebDriver } = await import('selenium-webdriver')
  const { Executor, HttpClient } = await import('selenium-webdriver/http/index.js')
  const port = await freePort()
  // MiniBrowser has no headless mode: a virtual X display for it and its driver.
  const driverProcess: ChildProcess = spawn(
    XVFB_RUN,
    ['-a', '-s', '-screen 0 1280x1024x24', WEBKIT_DRIVER, `--port=${port}`],
    { detached: true, stdio: 'ignore' },
  )
  const stop = () => {
    try {
      if (driverProcess.pid) process.kill(-driverProcess.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  try {
    const url = `http://127.0.0.1:${port}`
    await poll(async () => (await fetch(`${url}/status`)).ok, 'WebKitWebDriver', 30_000)
    const capabilities = new Capabilities({
      browserName: 'MiniBrowser',
      pageLoadStrategy: 'none',
      'webkitgtk:browserOptions': { binary: WEBKIT_BROWSER, args: ['--automation'] },
    })
    const driver = WebDriver.createSession(new Executor(new HttpClient(url)), capabilities)
    await driver.manage().setTimeouts({ script: 600_000, pageLoad: 120_000 })
    // The first window stays open (closing a session's last window ends the session).
    const home = await driver.getWindowHandle()
    const exclusive = serialized()
    return {
      engine: 'webkit',
      profileDir,
      newPage: () =>
        exclusive(async () => {
          await driver.switchTo().window(home)
          await driver.switchTo().newWindow('tab')
          const handle = await driver.getWindowHandle()
          await driver.switchTo().window(home)
          return seleniumPage(driver, handle, home, exclusive)
        }),
      async close() {
        await driver.quit().catch(() => undefined)
        stop()
      },
    }
  } catch (error) {
    stop()
    throw error
  }
}

/** Starts one engine on a fresh (or the given, kept) profile. */
export async function launchEngine(
  engine: EngineName,
  options: LaunchOptions = {},
): Promise<EngineSession> {
  requireEngine(engine)
  const kept = options.profileDir !== undefined
  const profileDir = options.profileDir ?? mkdtempSync(join(tmpdir(), `vcu-${engine}-`))
  const launch = { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit }[engine]
  const session = await launch(profileDir)
  return {
    ...session,
    async close() {
      await session.close()
      if (!kept) rmSync(profileDir, { recursive: true, force: true })
    },
  }
}
