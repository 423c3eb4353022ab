// @vitest-environment node
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const dir = fileURLToPath(new URL('../../src/components/', import.meta.url))

describe('component styles survive tree-shaking', () => {
  // package.json marks only CSS as having side effects, so bundlers resolve the re-exports
  // of components/index.ts straight to the .vue files and drop index.ts with any import in
  // it: the theme (every --vcu-* property) must come in with each component itself.
  it.each(readdirSync(dir).filter((f) => f.endsWith('.vue')))('%s imports the theme', (file) => {
    expect(readFileSync(dir + file, 'utf8')).toMatch(/^import '\.\/theme\.css'$/m)
  })

  it('index.ts holds no style import that a bundler could drop', () => {
    expect(readFileSync(dir + 'index.ts', 'utf8')).not.toMatch(/import '.*\.css'/)
  })
})
