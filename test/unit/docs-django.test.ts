// @vitest-environment node
/** docs/s3.md shows the Django signer that CI runs, not a hand-copied variant. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

describe('docs/s3.md and backends/django', () => {
  it("the doc's views.py block is backends/django/s3uploads/views.py, byte for byte", () => {
    const doc = read('docs/s3.md')
    const block = /<!-- views\.py -->\n\n```python\n([\s\S]*?)```\n/.exec(doc)
    expect(block, 'a ```python block after <!-- views.py --> in docs/s3.md').not.toBeNull()
    expect(block![1]).toBe(read('backends/django/s3uploads/views.py'))
  })
})
