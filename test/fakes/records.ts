import { RESUME_RECORD_VERSION, type ResumeRecord } from '../../src/core'

/** A valid resume record of a one-byte HTTP upload under `key`, with `extra` over it. */
export const recordOf = (key: string, extra: Partial<ResumeRecord> = {}): ResumeRecord => ({
  v: RESUME_RECORD_VERSION,
  key,
  fingerprint: '1:abc',
  file: { name: 'a.bin', size: 1, type: '', lastModified: 1 },
  protocol: 'http',
  remote: { id: 'x' },
  plan: { size: 1, partSize: 1, count: 1 },
  parts: [{ index: 0, size: 1, etag: '"e0"' }],
  createdAt: 0,
  updatedAt: 0,
  expiresAt: 10_000,
  ...extra,
})
