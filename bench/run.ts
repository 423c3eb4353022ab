/**
 * `npm run bench [suite…]`: runs the named suites (default: all) one after another, each
 * measuring this library and its baselines side by side in one run. Medians with min–max
 * and ratios are printed; JSON goes to bench/results/.
 */
import { runAdaptiveBench } from './adaptive'
import { runBundleBench } from './bundle-size'
import { runFirstByteBench } from './first-byte'
import { runHashBench } from './hash'
import { runHttpBench } from './http'
import { runS3Bench } from './s3'
import { runTusBench } from './tus'

const suites: Record<string, () => Promise<void>> = {
  http: runHttpBench,
  tus: runTusBench,
  s3: runS3Bench,
  hash: runHashBench,
  'first-byte': runFirstByteBench,
  adaptive: runAdaptiveBench,
  bundle: runBundleBench,
}

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'))
const unknown = wanted.filter((name) => !(name in suites))
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`)
  process.exit(2)
}
try {
  for (const name of wanted.length > 0 ? wanted : Object.keys(suites)) {
    console.log(`\n=== ${name} ===`)
    await suites[name]()
  }
} catch (error) {
  console.error(error)
  process.exit(1)
}
