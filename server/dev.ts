/**
 * `npm run dev`: the reference server on 127.0.0.1:8787 (filesystem store in .data/store)
 * and the playground on http://127.0.0.1:5173, which uploads to it.
 */
import { createServer } from 'vite'
import { fileURLToPath } from 'node:url'
import { startReferenceServer } from './index'

const port = Number(process.env.VCU_SERVER_PORT ?? 8787)
const root = process.env.VCU_STORE ?? fileURLToPath(new URL('../.data/store', import.meta.url))

const server = await startReferenceServer({ root, port })
process.env.VITE_UPLOAD_ENDPOINT = server.httpUrl
const playground = await createServer({
  configFile: fileURLToPath(new URL('../playground/vite.config.ts', import.meta.url)),
})
await playground.listen()
console.log(`reference server: ${server.httpUrl} (store: ${root})`)
console.log(`playground:       http://127.0.0.1:${playground.config.server.port}/`)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await Promise.allSettled([playground.close(), server.close()])
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
