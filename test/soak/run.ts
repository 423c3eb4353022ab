/**
 * `npm run soak [-- --seed N --count N --fault-rate P --max-size BYTES --max-minutes M
 * --keep]`: the long soak (not part of `npm test`). Prints the seed first, so a failing run can be replayed
 * with `--seed`. Exits 1 when any upload failed, differed, or left something on a server.
 */
import { seedFrom } from '../fault-proxy'
import { describe, runSoak, writeFigures } from './soak'

function option(name: string): string | undefined {
  const args = process.argv.slice(2)
  const at = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))
  if (at < 0) return undefined
  const arg = args[at]
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[at + 1]
}

const seed = seedFrom(option('seed') ?? process.env.SOAK_SEED)
const count = Number(option('count') ?? 120)
const faultRate = Number(option('fault-rate') ?? 0.12)
const maxSize = option('max-size') === undefined ? undefined : Number(option('max-size'))
const maxMs = Number(option('max-minutes') ?? 20) * 60_000
const keep = process.argv.includes('--keep')
const replay = [`--seed ${seed}`, `--count ${count}`, `--fault-rate ${faultRate}`]
if (maxSize !== undefined) replay.push(`--max-size ${maxSize}`)
console.log(`soak: seed ${seed} (replay with: npm run soak -- ${replay.join(' ')})`)

const started = Date.now()
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`)
const figures = await runSoak({ seed, count, faultRate, maxSize, maxMs, keep, log })
for (const line of describe(figures)) console.log(line)
console.log(`figures written to ${await writeFigures(figures)}`)
process.exit(figures.ok ? 0 : 1)
