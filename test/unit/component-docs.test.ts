// @vitest-environment node
/**
 * The components' argument tables in Storybook come from vue-component-meta (the docgen
 * server of .storybook/main.ts), read the same way here:
 * - Storybook prints any TSDoc tag of a prop as `@default: true<br>` text in front of its
 *   description, so defaults live in `withDefaults` (the Default column) and in the sentence;
 * - a slot typed `any` tells a reader nothing (a slot without props says so);
 * - the table is keyed by name, so a slot sharing a prop's name must be listed by its story.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCheckerByJson } from 'vue-component-meta'

const root = process.cwd()
const COMPONENTS = ['UploadDropzone', 'UploadProgress', 'ResumeBanner']

describe('component docs as Storybook shows them', () => {
  // Only the library's sources: the components' types need nothing else, and it is quicker.
  const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>
  }
  const checker = createCheckerByJson(
    root,
    { compilerOptions, include: ['src/**/*', 'src/**/*.vue'] },
    { forceUseTs: true, noDeclarations: true, printer: { newLine: 1 } },
  )

  it.each(COMPONENTS)(
    '%s: props without tags, slots typed, no slot hidden by a prop',
    (name) => {
      const meta = checker.getComponentMeta(join(root, `src/components/${name}.vue`))
      const props = meta.props.filter((prop) => !prop.global)
      expect(props.length).toBeGreaterThan(0)
      for (const prop of props) {
        expect(prop.description, `${name}.${prop.name} has a description`).not.toBe('')
        expect(prop.tags, `${name}.${prop.name}`).toEqual([])
      }
      expect(meta.slots.length).toBeGreaterThan(0)
      for (const slot of meta.slots) expect(slot.type, `${name} slot ${slot.name}`).not.toBe('any')
      const story = readFileSync(join(root, `stories/${name}.stories.ts`), 'utf8')
      for (const slot of meta.slots.filter((s) => props.some((prop) => prop.name === s.name)))
        expect(story, `${name}: the ${slot.name} slot is listed`).toContain(`'slot:${slot.name}'`)
    },
    120_000,
  )

  it('opens the ResumeBanner docs page on a story that shows the banner', () => {
    const story = readFileSync(join(root, 'stories/ResumeBanner.stories.ts'), 'utf8')
    const first = /^export const (\w+)/m.exec(story)![1]
    expect(first).not.toBe('NoneLeft')
  })
})
