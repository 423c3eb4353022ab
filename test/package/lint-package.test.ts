import { inject, describe, expect, it } from 'vitest'
import { bin, ROOT, sh } from './tarball'

describe('the packed tarball, as linters of published packages see it', () => {
  const tarball = inject('tarball')

  it('are-the-types-wrong finds no problem for any entry (ESM-only: node16 and bundler)', () => {
    const out = sh(ROOT, bin(ROOT, 'attw'), [
      tarball,
      '--profile',
      'esm-only',
      // Not modules with types: the worker script and the stylesheet.
      '--exclude-entrypoints',
      './md5.worker.js',
      './style.css',
      '--format',
      'json',
    ])
    const { analysis } = JSON.parse(out) as { analysis: { problems: unknown[] } }
    expect(analysis.problems).toEqual([])
  })

  it('publint --strict reports nothing', () => {
    const out = sh(ROOT, bin(ROOT, 'publint'), ['run', tarball, '--strict'])
    expect(out).toContain('All good!')
  })
})
