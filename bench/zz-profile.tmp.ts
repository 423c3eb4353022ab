// Temporary (not committed): CPU profile of the many-files case, long stretches analysed.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeFileSync } from 'node:fs'
import { launchChromium, startPageServer } from '../test/browser/harness'
import { startBenchServers } from './servers'
import { openBenchPage } from './runner'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const uppy6Dir = here('./peers/uppy6')
const uppy6Lib = (name: string) => join(uppy6Dir, 'node_modules/@uppy', name, 'lib/index.js')
const ui = process.argv[2] === 'ui'

const servers = await startBenchServers()
const [chromium, pages] = await Promise.all([
  launchChromium(),
  startPageServer({
    root: here('./page'),
    alias: [
      { find: /^@uppy6\/core$/, replacement: uppy6Lib('core') },
      { find: /^@uppy6\/aws-s3$/, replacement: uppy6Lib('aws-s3') },
    ],
    include: ['@uppy/core', '@uppy/aws-s3', '@uppy6/core', '@uppy6/aws-s3'],
  }),
])
const target = await servers.target()
const page = await chromium.newPage()
await openBenchPage(page, pages.url)
const cdp = await page.context().newCDPSession(page)
await cdp.send('Profiler.enable')
await cdp.send('Profiler.setSamplingInterval', { interval: 500 })
await cdp.send('Profiler.start')
const run = await page.evaluate(
  ([p, e, u]) =>
    (window as any).bench.manyFiles('http', e, 1000, 100000, u, {}, 60000),
  ['http', target.http, ui] as const,
)
const { profile } = (await cdp.send('Profiler.stop')) as any
console.log(JSON.stringify({ ...run }))
writeFileSync(`/tmp/h16ui/profile-${ui ? 'ui' : 'headless'}.cpuprofile`, JSON.stringify(profile))
const nodes = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const idle = (id: number) => ['(idle)', '(program)', '(root)'].includes(nodes.get(id).callFrame.functionName)
let t = profile.startTime
const stretches: { start: number; end: number; samples: number[] }[] = []
let cur: { start: number; end: number; samples: number[] } | undefined
profile.samples.forEach((id: number, i: number) => {
  t += profile.timeDeltas[i]
  if (idle(id)) {
    if (cur) stretches.push(cur)
    cur = undefined
  } else {
    cur ??= { start: t, end: t, samples: [] }
    cur.end = t
    cur.samples.push(id)
  }
})
const long = stretches.filter((s) => s.end - s.start > 40).sort((a, b) => b.end - b.start - (a.end - a.start))
const label = (id: number) => {
  const f = nodes.get(id).callFrame
  return `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
}
for (const s of long.slice(0, 6)) {
  console.log(`\nstretch ${((s.end - s.start) / 1000).toFixed(1)} ms at ${((s.start - profile.startTime) / 1e6).toFixed(2)} s`)
  const self = new Map<string, number>()
  const incl = new Map<string, number>()
  for (const id of s.samples) {
    self.set(label(id), (self.get(label(id)) ?? 0) + 1)
    const seen = new Set<string>()
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const l = label(x)
      if (seen.has(l)) continue
      seen.add(l)
      incl.set(l, (incl.get(l) ?? 0) + 1)
    }
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([k, v]) => `  ${v} ${k}`).join('\n')
  console.log(' self:\n' + top(self) + '\n inclusive:\n' + top(incl))
}
await page.close()
await target.cleanup()
await Promise.allSettled([chromium.close(), pages.close(), servers.close()])
