import { callPage, launchChromium, openWithFile, randomFile, startPageServer } from '../test/browser/harness'
import { serverFor } from './first-byte'
const source = await randomFile(64 * 1024 * 1024)
const [chromium, pages] = await Promise.all([launchChromium(), startPageServer()])
for (const protocol of ['http', 'http', 's3'] as const) {
  const server = await serverFor(protocol)
  const page = await chromium.newPage()
  await openWithFile(page, pages.url, source.path)
  const t0 = await page.evaluate(() => performance.now())
  const run = await callPage(page, 'upload', { endpoint: server.endpoint, protocol, hashing: true })
  const entries = await page.evaluate((t0) => performance.getEntriesByType('resource').filter((e) => e.startTime > t0).slice(0, 8).map((e) => `${e.name.replace(/^https?:\/\/[^/]+/, '').slice(0, 50)} start ${e.startTime.toFixed(0)} dur ${e.duration.toFixed(0)} ${(e as PerformanceResourceTiming).initiatorType}`), t0)
  console.log(protocol, 'ttfb', run.firstByteMs.toFixed(0), 'longest', run.longestTaskMs, 't0', t0.toFixed(0))
  console.log(entries.join('\n'))
  await page.close(); await server.close()
}
await chromium.close(); await pages.close()
