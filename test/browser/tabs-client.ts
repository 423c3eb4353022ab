/**
 * The Node side of test/browser/pages/tabs.ts, shared by the tab tests in Chromium
 * (tabs-network) and in every engine (engines-tabs): calls into the page's `tabs` API and
 * polling its state.
 */
import type { Page } from 'playwright-core'
import type { EnginePage } from './engines'
import type { TabsApi, TabsState } from './pages/tabs'

/** Calls `window.tabs[method](...args)` in `page` (a Playwright page or an engine's). */
export function tabsCall<K extends keyof TabsApi>(
  page: Page | EnginePage,
  method: K,
  ...args: Parameters<TabsApi[K]>
): Promise<Awaited<ReturnType<TabsApi[K]>>> {
  // Both pages send the function's source and the argument the same way.
  return (page as EnginePage).evaluate(
    ([name, params]) => {
      const api = (window as unknown as { tabs: Record<string, (...a: unknown[]) => unknown> }).tabs
      return api[name](...params)
    },
    [method, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<TabsApi[K]>>>
}

/** Polls the page's state until `condition` holds; throws on an upload error or timeout. */
export async function waitFor(
  page: Page | EnginePage,
  what: string,
  condition: (state: TabsState) => boolean,
  timeoutMs = 120_000,
): Promise<TabsState> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const state = await tabsCall(page, 'state')
    if (condition(state)) return state
    if (state.uploads[0]?.status.state === 'error')
      throw new Error(`${what}: upload failed: ${JSON.stringify(state.uploads[0].status)}`)
    if (Date.now() > deadline) throw new Error(`${what}: timed out at ${JSON.stringify(state)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export const first = (state: TabsState) => state.uploads[0]
export const stateOf = (state: TabsState) => first(state)?.status.state
export const reasonOf = (state: TabsState) => {
  const status = first(state)?.status
  return status?.state === 'paused' ? status.reason : undefined
}
