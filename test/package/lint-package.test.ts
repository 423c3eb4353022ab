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
      '--no-emoji',
    ])
    // attw exits non-zero on a problem (sh throws with its report); the table must agree.
    const problems = out
      .split('\n')
      .filter((line) => /Resolution failed|No types|error|Masquerading|Incorrect/i.test(line))
    expect(problems.filter((line) => !line.includes('(ignored'))).toEqual([])
    expect(out).toMatch(/"vue-chunked-upload\/pinia"/)
  })

  it('publint --strict reports nothing', () => {
    const out = sh(ROOT, bin(ROOT, 'publint'), ['run', tarball, '--strict'])
    expect(out).toContain('All good!')
  })
})
