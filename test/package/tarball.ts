/** Shared by the `package` tests: where the packed tarball is and how an app gets it. */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Where global-setup.ts packs the library (ignored by git). */
export const PACK_DIR = join(ROOT, 'test/package/.pack')
export const bin = (dir: string, name: string) => join(dir, 'node_modules', '.bin', name)

/**
 * Puts the tarball where `npm install <tgz>` puts it: node_modules/vue-chunked-upload, with
 * exactly the packed files. Its dependencies must already be in `dir`'s node_modules (the
 * fixtures list them in their lockfiles), so this needs no network.
 */
export function installTarball(dir: string, tarball: string): string {
  const target = join(dir, 'node_modules', 'vue-chunked-upload')
  rmSync(target, { recursive: true, force: true })
  mkdirSync(target, { recursive: true })
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'])
  return target
}

/** Fails (never skips) when a fixture's dependencies were not installed. */
export function requireInstalled(dir: string): void {
  if (!existsSync(join(dir, 'node_modules'))) {
    throw new Error(
      `${dir} has no node_modules: run 'npm ci --no-audit --no-fund' there (.ci/run does)`,
    )
  }
}

/** Runs a command in `cwd`; on failure the error carries its output, for the test report. */
export function sh(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    })
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, {
      cause: error,
    })
  }
}
