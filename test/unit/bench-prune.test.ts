import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pruneResults, staleResults } from '../../bench/prune'

describe('bench/results pruning', () => {
  it('keeps the latest run of each kind and nothing else of the dated files', () => {
    const names = [
      'bench-2026-11-21T10-13-48-327Z.json',
      'bench-2026-11-21T09-28-27-535Z.json',
      'bench-2026-11-21T10-49-31-152Z.json',
      'bench-quick-2026-11-20T10-00-00-000Z.json',
      'soak-2026-11-21T08-50-29-256Z.json',
      'soak-2026-11-21T10-29-29-466Z.json',
      'first-byte-2026-11-21T09-19-51-483Z.json',
      'chart.svg',
      'notes.json',
    ]
    expect(staleResults(names).sort()).toEqual([
      'bench-2026-11-21T09-28-27-535Z.json',
      'bench-2026-11-21T10-13-48-327Z.json',
      'soak-2026-11-21T08-50-29-256Z.json',
    ])
  })

  it('deletes the superseded files from the directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcu-results-'))
    try {
      for (const name of [
        'many-2026-12-01T00-00-00-000Z.json',
        'many-2026-12-03T00-00-00-000Z.json',
        'chart.svg',
      ])
        writeFileSync(join(dir, name), '{}')
      expect(pruneResults(dir)).toEqual(['many-2026-12-01T00-00-00-000Z.json'])
      expect(readdirSync(dir).sort()).toEqual(['chart.svg', 'many-2026-12-03T00-00-00-000Z.json'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
