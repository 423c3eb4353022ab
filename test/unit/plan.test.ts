import { describe, expect, it } from 'vitest'
import { GiB, MiB, isValidPlan, partAt, planChunks, UploadError } from '../../src/core'

const s3 = { minPartSize: 5 * MiB, maxPartSize: 5 * GiB, maxParts: 10_000 }

describe('planChunks at the S3 boundaries', () => {
  it('keeps 5 MiB parts for exactly 10,000 parts', () => {
    const plan = planChunks(10_000 * 5 * MiB, 5 * MiB, s3)
    expect(plan).toEqual({ size: 10_000 * 5 * MiB, partSize: 5 * MiB, count: 10_000 })
  })

  it('grows the part size when the file would need 10,001 parts', () => {
    const size = 10_000 * 5 * MiB + 1
    const plan = planChunks(size, 5 * MiB, s3)
    expect(plan.partSize).toBe(6 * MiB)
    expect(plan.count).toBeLessThanOrEqual(10_000)
    expect(plan.count).toBe(Math.ceil(size / (6 * MiB)))
  })

  it('never plans parts below the 5 MiB minimum', () => {
    expect(planChunks(100 * MiB, 1 * MiB, s3).partSize).toBe(5 * MiB)
  })

  it('makes the last part the remainder, in whole bytes', () => {
    const plan = planChunks(12 * MiB + 7, 5 * MiB, s3)
    expect(plan.count).toBe(3)
    expect(partAt(plan, 0)).toEqual({ index: 0, start: 0, end: 5 * MiB })
    expect(partAt(plan, 2)).toEqual({ index: 2, start: 10 * MiB, end: 12 * MiB + 7 })
  })

  it('plans no parts for an empty file', () => {
    expect(planChunks(0, 5 * MiB, s3)).toEqual({ size: 0, partSize: 5 * MiB, count: 0 })
  })

  it('refuses a file larger than 10,000 parts of the largest size', () => {
    const error = (() => {
      try {
        planChunks(10_000 * 5 * GiB + 1, 5 * MiB, s3)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(UploadError)
    expect((error as UploadError).code).toBe('too-many-parts')
  })

  it('handles a 20 GiB file with 8 MiB preferred parts', () => {
    const plan = planChunks(20 * GiB, 8 * MiB, s3)
    expect(plan.partSize).toBe(8 * MiB)
    expect(plan.count).toBe(2560)
  })

  it('validates plans read back from storage', () => {
    const plan = planChunks(100 * MiB, 8 * MiB, s3)
    expect(isValidPlan(plan, 100 * MiB, s3)).toBe(true)
    expect(isValidPlan({ ...plan, count: 3 }, 100 * MiB, s3)).toBe(false)
    expect(isValidPlan(plan, 99 * MiB, s3)).toBe(false)
    expect(isValidPlan('garbage', 100 * MiB, s3)).toBe(false)
  })
})
