import { RESUME_RECORD_VERSION, type ResumeRecord } from '../core'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/**
 * Whether a stored value is a record this version can use. Anything else (older versions,
 * another app's data, a half-written value) is dropped by the stores, never thrown on.
 */
export function isResumeRecord(value: unknown): value is ResumeRecord {
  if (!isObject(value) || value.v !== RESUME_RECORD_VERSION) return false
  const { file, plan, remote, parts } = value
  return (
    typeof value.key === 'string' &&
    typeof value.fingerprint === 'string' &&
    typeof value.protocol === 'string' &&
    (value.hash === undefined || typeof value.hash === 'string') &&
    (value.clearing === undefined || typeof value.clearing === 'boolean') &&
    (value.metadata === undefined ||
      (isObject(value.metadata) &&
        Object.values(value.metadata).every((v) => typeof v === 'string'))) &&
    isObject(file) &&
    typeof file.name === 'string' &&
    isCount(file.size) &&
    typeof file.type === 'string' &&
    typeof file.lastModified === 'number' &&
    isObject(plan) &&
    isCount(plan.size) &&
    isCount(plan.partSize) &&
    isCount(plan.count) &&
    isObject(remote) &&
    Array.isArray(parts) &&
    parts.every((p) => isObject(p) && isCount(p.index) && isCount(p.size)) &&
    typeof value.createdAt === 'number' &&
    typeof value.updatedAt === 'number' &&
    typeof value.expiresAt === 'number'
  )
}
