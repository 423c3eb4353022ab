/**
 * Resume records past their `expiresAt`. Stores hand them to the engine like any other
 * record (see `ResumeStore`): the server may still hold the upload one names, so the
 * engine deletes it there first, best effort, and only then the record. A server that
 * cannot be reached (offline) leaves the record for the next read to try again, until it
 * has been expired for as long again as records live; then it is dropped without asking.
 */
import type { ResumeRecord } from '../types'

/** The record's time is up: it is never resumed, only cleared. */
export function isExpired(record: ResumeRecord, now: number): boolean {
  return record.expiresAt <= now
}

/** Expired for longer than a record lives: dropped even if its server upload was not deleted. */
export function isAbandoned(record: ResumeRecord, now: number, lifetimeMs: number): boolean {
  return now - record.expiresAt > lifetimeMs
}
