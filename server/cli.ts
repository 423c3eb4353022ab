/**
 * Runs the reference server: `npx tsx server/cli.ts --port 8787 --root .data/store`.
 * Prints the listener's URL (one line) on stdout, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util'
import { startReferenceServer } from './index'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    root: { type: 'string', default: '.data/store' },
    'base-path': { type: 'string', default: '/http' },
    'max-file-size': { type: 'string' },
  },
})

const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port}`)
  process.exit(2)
}

const running = await startReferenceServer({
  root: values.root,
  host: values.host,
  port,
  basePath: values['base-path'],
  maxFileSize: values['max-file-size'] === undefined ? undefined : Number(values['max-file-size']),
})
// stdout carries only the URL, so launchers can read it; the rest goes to stderr.
console.log(running.url)
console.error(`reference server: HTTP chunk protocol at ${running.httpUrl}, store ${values.root}`)

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
