/**
 * `npm run dev`: the reference server on 127.0.0.1:8787 (filesystem store in .data/store)
 * and the playground on http://127.0.0.1:5173, which uploads to it.
 */
import { createServer } from 'vite'
import { fileURLToPath } from 'node:url'
import { startReferenceServer } from './index'
import { startDevS3 } from './s3/dev'
import { createTusEndpoint } from './tus'

const port = Number(process.env.VCU_SERVER_PORT ?? 8787)
const root = process.env.VCU_STORE ?? fileURLToPath(new URL('../.data/store', import.meta.url))
const s3 = await startDevS3()

const tusRoot = process.env.VCU_TUS_STORE ?? fileURLToPath(new URL('../.data/tus', import.meta.url))
const tus = createTusEndpoint({ root: tusRoot })
const server = await startReferenceServer({ root, port, routes: [tus, s3.mount] })
process.env.VITE_UPLOAD_ENDPOINT = server.httpUrl
process.env.VITE_S3_ENDPOINT = server.url + s3.mount.basePath
process.env.VITE_TUS_ENDPOINT = server.url + tus.basePath
// @tus/server does not sweep by itself: remove expired unfinished tus uploads every 10 min.
setInterval(() => {
  tus.sweep().catch((error: unknown) => console.error('[tus] sweep failed', error))
}, 10 * 60_000).unref()
const playground = await createServer({
  configFile: fileURLToPath(new URL('../playground/vite.config.ts', import.meta.url)),
})
await playground.listen()
console.log(`reference server: ${server.httpUrl} (store: ${root})`)
console.log(`tus (@tus/server): ${server.url}${tus.basePath} (store: ${tusRoot})`)
console.log(`S3 signer:        ${server.url}${s3.mount.basePath} → ${s3.description}`)
console.log(`playground:       http://127.0.0.1:${playground.config.server.port}/`)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await Promise.allSettled([playground.close(), server.close(), s3.close()])
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
