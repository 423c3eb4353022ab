/**
 * The type tests (test/types/public-api.ts) compiled by tsc against the packed package under
 * each module resolution an app may use. A declaration that does not resolve turns its names
 * into `any`, which the `not.toBeAny()` checks catch; the Vite fixture app type-checks every
 * declaration with `skipLibCheck: false`, and attw reports resolution errors inside them.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bin, installTarball, ROOT, sh } from './tarball'

const TYPES = join(ROOT, 'test/types')

describe('declarations of the packed package', () => {
  beforeAll(() => {
    installTarball(TYPES, inject('tarball'))
  })
  afterAll(() => rmSync(join(TYPES, 'node_modules'), { recursive: true, force: true }))

  // nodenext resolves ESM like node16; bundler and node16 are the two that differ.
  for (const resolution of ['bundler', 'node16']) {
    it(`type-check the public API under moduleResolution ${resolution}`, () => {
      const out = sh(TYPES, bin(ROOT, 'tsc'), [
        '-p',
        `tsconfig.${resolution}.json`,
        '--pretty',
        'false',
      ])
      expect(out).toBe('')
    })
  }
})
