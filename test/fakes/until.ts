/**
 * Polling for the unit tests: a condition the engine reaches after some fake time (or some
 * promise turns), checked step by step, then asserted so a test that never gets there fails
 * where it waited.
 */
import { expect } from 'vitest'
import { type FakeClock, settle } from './fake-clock'

/**
 * Until `condition` holds: advances `clock` by `stepMs` each step (without a clock, lets
 * promises settle), at most 3,000 steps; then expects the condition to hold.
 */
export async function until(condition: () => boolean, clock?: FakeClock, stepMs = 10) {
  for (let i = 0; i < 3000 && !condition(); i++) {
    if (clock) await clock.advance(stepMs)
    else await settle()
  }
  expect(condition()).toBe(true)
}
