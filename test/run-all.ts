/**
 * `npm test`: the whole gate, in order: vue-tsc, eslint, prettier --check, then vitest once per project.
 *
 *   npm test                         everything (what CI runs)
 *   npm test -- --project unit       only some vitest projects; other args go to vitest
 *
 * Vitest's own output streams to the console; a summary follows, and the very last line is
 * always the plain total `N passed, N failed` (.ci/run relies on that). Tests are counted
 * from vitest's JSON reports. Anything that fails without a failing test to show for it (a
 * type or lint error, a test file that doesn't load, a crash, an unhandled error, a run with
 * no tests at all) adds 1 to `failed`, so a broken run can never print a green total.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The vitest projects of vite.config.ts, in the order they run. */
const PROJECTS = ['unit', 'integration', 'browser', 'package', 'storybook']
/** Projects that run in Debian's Chromium (`package`: the fixture apps upload in it). */
const CHROMIUM_PROJECTS = new Set(['browser', 'package', 'storybook'])
const CHROMIUM = '/usr/bin/chromium'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase())

interface Tally {
  passed: number
  failed: number
  /** Tests that actually ran (passed or failed), as opposed to synthetic failures. */
  ran: number
  skipped: number
  /** Why it failed, one line each, for the summary. */
  problems: string[]
}

const tally = (): Tally => ({ passed: 0, failed: 0, ran: 0, skipped: 0, problems: [] })

/** Splits `--project a --project=b` off the arguments meant for vitest. */
function parseArgs(argv: string[]): { projects: string[]; vitestArgs: string[] } {
  const projects: string[] = []
  const vitestArgs: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--project' && i + 1 < argv.length) projects.push(argv[++i])
    else if (arg.startsWith('--project=')) projects.push(arg.slice('--project='.length))
    else vitestArgs.push(arg)
  }
  return { projects: projects.length > 0 ? projects : PROJECTS, vitestArgs }
}

let child: ReturnType<typeof spawn> | undefined
let interruptedBy: NodeJS.Signals | undefined

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interruptedBy = signal
    child?.kill(signal)
  })
}

/** Runs a command with inherited stdio; resolves with its exit code (1 if it could not run). */
function run(command: string, args: string[]): Promise<number> {
  console.log(`\n$ ${[relative(root, command) || command, ...args].join(' ')}`)
  return new Promise((resolve) => {
    child = spawn(command, args, { cwd: root, stdio: 'inherit' })
    child.on('error', (error) => {
      console.error(`run-all: could not start ${command}: ${error.message}`)
      resolve(1)
    })
    child.on('exit', (code, signal) => {
      child = undefined
      resolve(code ?? (signal ? 128 : 1))
    })
  })
}

/** A check without test counts: ok, or 1 failed. */
async function check(name: string, command: string, args: string[]): Promise<Tally> {
  const result = tally()
  const code = await run(command, args)
  if (code !== 0) {
    result.failed = 1
    result.problems.push(`${name} exited with ${code}`)
  }
  return result
}

interface JsonReport {
  testResults: Array<{
    name: string
    status: string
    message: string
    assertionResults: Array<{ fullName: string; status: string }>
  }>
}

async function vitestProject(project: string, args: string[], dir: string): Promise<Tally> {
  const result = tally()
  const reportFile = join(dir, `${project}.json`)
  const code = await run(bin('vitest'), [
    'run',
    '--project',
    project,
    '--passWithNoTests', // an empty project is judged below, not by vitest's exit code
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportFile}`,
    ...args,
  ])

  if (!existsSync(reportFile)) {
    result.failed = 1
    result.problems.push(`vitest exited with ${code} and wrote no report`)
    return result
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport
  for (const file of report.testResults) {
    const path = relative(root, file.name)
    let failedHere = 0
    for (const test of file.assertionResults) {
      if (test.status === 'passed') result.passed++
      else if (test.status === 'failed') {
        result.ran++
        failedHere++
        result.problems.push(`${path} › ${test.fullName}`)
      } else result.skipped++
    }
    // A file that failed to load, or whose hooks threw, has no failing test to count.
    if (file.status === 'failed' && failedHere === 0) {
      failedHere = 1
      result.problems.push(`${path}: ${file.message.split('\n')[0] || 'failed outside any test'}`)
    }
    result.failed += failedHere
  }
  result.ran += result.passed
  if (code !== 0 && result.failed === 0) {
    result.failed = 1
    result.problems.push(`vitest exited with ${code} (unhandled error?) though no test failed`)
  }
  return result
}

/** Under CI the browser project may not be skipped, wholly or test by test. */
function enforceBrowserInCi(result: Tally): void {
  if (result.ran === 0) {
    result.failed += 1
    result.problems.push('CI: the browser project ran no tests')
  }
  if (result.skipped > 0) {
    result.failed += result.skipped
    result.problems.push(`CI: ${result.skipped} skipped browser test(s) count as failed`)
  }
}

function chromiumRuns(): boolean {
  try {
    accessSync(CHROMIUM, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function line(name: string, t: Tally): string {
  const skipped = t.skipped > 0 ? ` (${t.skipped} skipped)` : ''
  return `${name}: ${t.passed} passed, ${t.failed} failed${skipped}`
}

async function main(): Promise<number> {
  const { projects, vitestArgs } = parseArgs(process.argv.slice(2))
  const results: Array<[string, Tally]> = []
  const notes: string[] = []

  results.push(['typecheck', await check('vue-tsc', bin('vue-tsc'), ['--noEmit'])])
  if (!interruptedBy) results.push(['lint', await check('eslint', bin('eslint'), ['.'])])
  if (!interruptedBy)
    results.push(['format', await check('prettier', bin('prettier'), ['--check', '.'])])

  const dir = mkdtempSync(join(tmpdir(), 'run-all-'))
  try {
    for (const project of projects) {
      if (interruptedBy) break
      if (CHROMIUM_PROJECTS.has(project) && !chromiumRuns()) {
        if (ci) {
          console.error(`\n!!! CI: ${CHROMIUM} is missing; the browser project cannot run. !!!\n`)
          const missing = tally()
          missing.failed = 1
          missing.problems.push(`CI: ${CHROMIUM} is missing (apt-get install -y chromium)`)
          results.push([project, missing])
        } else {
          notes.push(`${project}: not run, ${CHROMIUM} is missing (under CI this fails)`)
        }
        continue
      }
      const result = await vitestProject(project, vitestArgs, dir)
      if (ci && CHROMIUM_PROJECTS.has(project)) enforceBrowserInCi(result)
      results.push([project, result])
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  const total = tally()
  for (const [, t] of results) {
    total.passed += t.passed
    total.failed += t.failed
    total.ran += t.ran
  }
  if (interruptedBy) {
    total.failed += 1
    notes.push(`interrupted by ${interruptedBy}: counted as 1 failed`)
  } else if (total.ran === 0) {
    total.failed += 1
    notes.push('no tests ran: counted as 1 failed')
  }

  console.log('\n──────── summary ────────')
  for (const [name, t] of results) {
    if (name === 'typecheck' || name === 'lint' || name === 'format')
      console.log(`${name}: ${t.failed ? 'FAILED' : 'ok'}`)
    else console.log(line(name, t))
    for (const problem of t.problems.slice(0, 30)) console.log(`  ✗ ${problem}`)
    if (t.problems.length > 30) console.log(`  … and ${t.problems.length - 30} more`)
  }
  for (const note of notes) console.log(`! ${note}`)
  console.log(`${total.passed} passed, ${total.failed} failed`)

  if (interruptedBy) return interruptedBy === 'SIGINT' ? 130 : 143
  return total.failed > 0 ? 1 : 0
}

process.exitCode = await main()
