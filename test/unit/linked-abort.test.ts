/**
 * `linkedAbort`: the child controller the stall guard, the part lanes, the tab guard's wait
 * and tus's HEAD use. Aborting the parent aborts the child with its reason (at once when it
 * already is); aborting the child leaves the parent alone; once unlinked the parent keeps
 * no listener.
 */
import { describe, expect, it } from 'vitest'
import { linkedAbort, UploadError } from '../../src/core'
import { createTabGuard } from '../../src/core/pauses/cross-tab-guard'
import { FakeClock } from '../fakes/fake-clock'

/** A parent signal whose 'abort' listeners are counted. */
function countedParent() {
  const parent = new AbortController()
  let listeners = 0
  const add = parent.signal.addEventListener.bind(parent.signal)
  const remove = parent.signal.removeEventListener.bind(parent.signal)
  parent.signal.addEventListener = ((type: string, ...rest: [never, never]) => {
    if (type === 'abort') listeners++
    add(type, ...rest)
  }) as typeof parent.signal.addEventListener
  parent.signal.removeEventListener = ((type: string, ...rest: [never, never]) => {
    if (type === 'abort') listeners--
    remove(type, ...rest)
  }) as typeof parent.signal.removeEventListener
  return { parent, listeners: () => listeners }
}

describe('linkedAbort', () => {
  it("aborts with the parent, carrying the parent's reason", () => {
    const parent = new AbortController()
    const child = linkedAbort(parent.signal)
    expect(child.signal.aborted).toBe(false)
    const reason = new UploadError('aborted', 'stop', { retryable: false })
    parent.abort(reason)
    expect(child.signal.aborted).toBe(true)
    expect(child.signal.reason).toBe(reason)
  })

  it('is aborted at once under a parent that already is', () => {
    const parent = new AbortController()
    parent.abort('gone')
    const child = linkedAbort(parent.signal)
    expect(child.signal.aborted).toBe(true)
    expect(child.signal.reason).toBe('gone')
  })

  it('aborting the child leaves the parent alone', () => {
    const parent = new AbortController()
    const child = linkedAbort(parent.signal)
    child.controller.abort('child only')
    expect(parent.signal.aborted).toBe(false)
  })

  it('unlink removes its listener; an unlinked child no longer follows', () => {
    const { parent, listeners } = countedParent()
    const children = Array.from({ length: 5 }, () => linkedAbort(parent.signal))
    expect(listeners()).toBe(5)
    for (const child of children) child.unlink()
    expect(listeners()).toBe(0)
    parent.abort()
    expect(children.some((child) => child.signal.aborted)).toBe(false)
  })
})

describe("the tab guard's wait for another tab's finish", () => {
  it('rejects at once under a signal already aborted, instead of waiting out its grace', async () => {
    const clock = new FakeClock()
    const guard = createTabGuard({
      clock,
      locks: undefined,
      peers: { publish: () => undefined, subscribe: () => () => undefined },
      jobs: new Map(),
      setStatus: () => undefined,
      emit: () => undefined,
      snapshot: () => ({}) as never,
      changed: () => undefined,
      touch: () => undefined,
    })
    const run = new AbortController()
    run.abort()
    let settled: string | undefined
    guard.finishedElsewhere('k', run.signal).then(
      () => (settled = 'resolved'),
      (error: unknown) => (settled = (error as UploadError).code),
    )
    // No clock time passes: only the abort can end the wait.
    for (let i = 0; i < 5; i++) await Promise.resolve()
    expect(settled).toBe('aborted')
    guard.dispose()
  })
})
