import { describe, expect, it } from 'vitest'
import { UploadError, type UploadState, type UploadStatus } from '../../src/core'
import {
  canCancel,
  canPause,
  canResume,
  canRetry,
  canStart,
  canTransition,
  IllegalTransitionError,
  isActive,
  isFinished,
  isLive,
  isPublished,
  statusChecks,
  transition,
  TRANSITIONS,
  UPLOAD_STATES,
} from '../../src/core/status/status-machine'

const error = new UploadError('server', 'boom')
/** One status per state and pause reason. */
const STATUSES: Record<string, UploadStatus> = {
  idle: { state: 'idle' },
  queued: { state: 'queued' },
  preparing: { state: 'preparing' },
  hashing: { state: 'hashing' },
  uploading: { state: 'uploading', retrying: false },
  'paused:user': { state: 'paused', reason: 'user' },
  'paused:offline': { state: 'paused', reason: 'offline' },
  'paused:elsewhere': { state: 'paused', reason: 'elsewhere' },
  completing: { state: 'completing' },
  done: { state: 'done', result: { size: 1 } },
  error: { state: 'error', error },
  canceled: { state: 'canceled' },
}

// name → [isActive, isFinished, isLive, isPublished, canStart, canPause, canResume(online),
//         canResume(offline), canRetry, canCancel]
const PREDICATES: Record<string, boolean[]> = {
  idle: [false, false, true, false, true, false, false, false, false, true],
  queued: [false, false, true, false, false, true, false, false, false, true],
  preparing: [true, false, true, true, false, true, false, false, false, true],
  hashing: [true, false, true, true, false, true, false, false, false, true],
  uploading: [true, false, true, true, false, true, false, false, false, true],
  'paused:user': [false, false, true, false, true, false, true, true, false, true],
  'paused:offline': [false, false, true, false, false, false, true, false, false, true],
  'paused:elsewhere': [false, false, true, false, false, true, true, false, false, true],
  completing: [true, false, true, true, false, true, false, false, false, true],
  done: [false, true, false, true, false, false, false, false, false, false],
  error: [false, true, true, false, false, false, false, false, true, true],
  canceled: [false, true, false, false, false, false, false, false, false, false],
}

// Every allowed change, written out once more so that a change to the table is deliberate.
const ALLOWED = `
idle → queued canceled
queued → preparing paused canceled
preparing → hashing uploading done paused error canceled
hashing → uploading completing done paused error canceled
uploading → uploading hashing completing done paused error canceled
completing → done paused error canceled
paused → paused queued preparing error canceled
done →
error → queued canceled
canceled →
`

describe('upload status machine', () => {
  it('lists every state once, each with a row in the table', () => {
    expect(new Set(UPLOAD_STATES).size).toBe(UPLOAD_STATES.length)
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...UPLOAD_STATES].sort())
    expect(Object.keys(STATUSES).map((k) => k.split(':')[0])).toEqual(
      expect.arrayContaining([...UPLOAD_STATES]),
    )
  })

  const allowed = new Map<UploadState, string[]>()
  for (const line of ALLOWED.trim().split('\n')) {
    const [from, to] = line.split('→').map((part) => part.trim())
    allowed.set(from as UploadState, to ? to.split(/\s+/) : [])
  }
  for (const from of UPLOAD_STATES) {
    for (const to of UPLOAD_STATES) {
      const ok = allowed.get(from)!.includes(to)
      it(`${from} → ${to} is ${ok ? 'allowed' : 'illegal'}`, () => {
        expect(canTransition(from, to)).toBe(ok)
        const source = Object.values(STATUSES).find((s) => s.state === from)!
        const target = Object.values(STATUSES).find((s) => s.state === to)!
        expect(statusChecks.strict).toBe(true)
        if (ok) expect(transition(source, target)).toBe(target)
        else expect(() => transition(source, target)).toThrow(IllegalTransitionError)
      })
    }
  }

  for (const [name, status] of Object.entries(STATUSES)) {
    it(`answers every question for ${name}`, () => {
      expect([
        isActive(status.state),
        isFinished(status.state),
        isLive(status.state),
        isPublished(status.state),
        canStart(status),
        canPause(status),
        canResume(status, true),
        canResume(status, false),
        canRetry(status),
        canCancel(status),
      ]).toEqual(PREDICATES[name])
    })
  }

  it('applies illegal changes without throwing when checks are off (apps)', () => {
    statusChecks.strict = false
    try {
      expect(transition({ state: 'done', result: { size: 1 } }, { state: 'queued' })).toEqual({
        state: 'queued',
      })
    } finally {
      statusChecks.strict = true
    }
  })
})
