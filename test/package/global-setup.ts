/**
 * Builds the library and packs it once per run, for every test of the `package` project:
 * they all test the tarball an app installs, never src/.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { PACK_DIR, ROOT } from './tarball'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the packed vue-chunked-upload-*.tgz. */
    tarball: string
  }
}

export default function setup(project: TestProject): void {
  rmSync(PACK_DIR, { recursive: true, force: true })
  mkdirSync(PACK_DIR, { recursive: true })
  const npm = (args: string[]) => execFileSync('npm', args, { cwd: ROOT, stdio: 'inherit' })
  npm(['run', 'build'])
  npm(['pack', '--pack-destination', PACK_DIR, '--silent'])
  const tgz = readdirSync(PACK_DIR).find((name) => name.endsWith('.tgz'))
  if (!tgz) throw new Error(`npm pack wrote no tarball into ${PACK_DIR}`)
  project.provide('tarball', join(PACK_DIR, tgz))
}
