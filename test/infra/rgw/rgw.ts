/**
 * A throw-away single-node Ceph RGW on 127.0.0.1 from Debian's packages (ceph-mon, ceph-osd,
 * radosgw, ceph-common): one mon, one OSD on bluestore over a sparse file, radosgw with the
 * beast frontend, and one S3 user. Config, data, logs, sockets and pid files live in one temp
 * directory, deleted on stop; the daemons are stopped by their pid files.
 * Facts behind the config: research/ceph-rgw.md (start ~15 s, < 0.5 GiB RAM).
 */
import { execFile, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../free-port'

const run = promisify(execFile)

/** The Debian binaries a cluster needs; `.ci/run` installs them. */
export const RGW_BINARIES = [
  '/usr/bin/ceph-mon',
  '/usr/bin/ceph-osd',
  '/usr/bin/radosgw',
  '/usr/bin/radosgw-admin',
  '/usr/bin/monmaptool',
  '/usr/bin/ceph',
]

export interface Rgw {
  /** e.g. `http://127.0.0.1:7480` (path-style addressing). */
  readonly endpoint: string
  readonly region: string
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** The temp directory holding config, data, logs, sockets and pid files. */
  readonly dir: string
  /** Stops the three daemons by pid and deletes the directory. Safe to call twice. */
  stop(): Promise<void>
}

/** Whether the Ceph binaries are installed. */
export function rgwInstalled(): boolean {
  return RGW_BINARIES.every((path) => existsSync(path))
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`rgw: ${what} not ready after ${timeoutMs} ms`)
    await sleep(250)
  }
}

function config(dir: string, fsid: string, mon: string, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = ${mon}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
# auth none cannot do the daemons' default 'secure' mode: radosgw would loop on
# get_initial_auth_request returned -13.
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
ms client mode = crc secure
keyring = /dev/null
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$name
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
mon warn on pool no redundancy = false
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 8589934592
bluestore fsck on mkfs = false
bluestore fsck on mount = false
osd memory target = 943718400
bluestore cache autotune = true
osd max object name len = 256
osd max object namespace len = 64
debug ms = 0

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw dns name = 127.0.0.1
rgw data = ${dir}/rgw
rgw enable usage log = false
rgw thread pool size = 64
`
}

export interface StartRgwOptions {
  /** Where to put the temp directory (default the OS temp dir). */
  readonly parent?: string
  /** Progress lines (default silent). */
  readonly log?: (line: string) => void
}

/** Starts mon, OSD and radosgw, and creates an S3 user. Cleans up everything if a step fails. */
export async function startRgw(options: StartRgwOptions = {}): Promise<Rgw> {
  const missing = RGW_BINARIES.filter((path) => !existsSync(path))
  if (missing.length > 0) {
    throw new Error(
      `rgw: ${missing.join(', ')} missing: apt-get install -y --no-install-recommends ` +
        'ceph-mon ceph-osd radosgw ceph-common',
    )
  }
  const log = options.log ?? (() => {})
  const dir = await mkdtemp(join(options.parent ?? tmpdir(), 'vcu-rgw-'))
  const conf = join(dir, 'ceph.conf')
  const started = Date.now()
  const say = (line: string) =>
    log(`rgw: ${line} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  let stopped = false

  const stop = async () => {
    if (stopped) return
    stopped = true
    // radosgw first, the mon last: the others talk to it while they shut down.
    for (const name of ['client.rgw.a', 'osd.0', 'mon.a'])
      await kill(join(dir, 'run', `${name}.pid`))
    await rm(dir, { recursive: true, force: true })
  }

  watchdog(dir)
  try {
    for (const sub of ['run', 'log', 'mon/mon.a', 'osd/osd.0', 'rgw']) {
      await mkdir(join(dir, sub), { recursive: true })
    }
    const [v2, v1, rgwPort] = [await freePort(), await freePort(), await freePort()]
    const mon = `[v2:127.0.0.1:${v2},v1:127.0.0.1:${v1}]`
    const fsid = randomUUID()
    await writeFile(conf, config(dir, fsid, mon, rgwPort))
    const ceph = (bin: string, args: string[], timeout = 60_000) =>
      run(bin, ['-c', conf, ...args], { timeout, maxBuffer: 16 * 1024 * 1024 })

    const monmap = join(dir, 'monmap')
    await run('/usr/bin/monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', mon, monmap])
    await ceph('/usr/bin/ceph-mon', ['--mkfs', '-i', 'a', '--monmap', monmap])
    await ceph('/usr/bin/ceph-mon', ['-i', 'a'])
    say('mon started')

    const osdUuid = randomUUID()
    const { stdout: id } = await ceph('/usr/bin/ceph', ['osd', 'new', osdUuid])
    const osd = id.trim()
    if (osd !== '0') throw new Error(`rgw: expected osd id 0, got ${osd}`)
    await ceph('/usr/bin/ceph-osd', ['-i', osd, '--mkfs', '--osd-uuid', osdUuid], 120_000)
    await ceph('/usr/bin/ceph-osd', ['-i', osd])
    await until('osd.0', 60_000, async () => {
      const { stdout } = await ceph('/usr/bin/ceph', ['osd', 'dump'], 10_000)
      return /^osd\.0 up/m.test(stdout)
    })
    say('osd up')

    await ceph('/usr/bin/radosgw', ['-n', 'client.rgw.a'])
    const endpoint = `http://127.0.0.1:${rgwPort}`
    await until('radosgw', 120_000, async () => (await fetch(endpoint)).status < 500)
    say('radosgw answers')

    const credentials = {
      accessKeyId: `VCU${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(24).toString('base64url'),
    }
    await ceph('/usr/bin/radosgw-admin', [
      '-n',
      'client.rgw.a',
      'user',
      'create',
      '--uid=vcu-test',
      '--display-name=vcu tests',
      `--access-key=${credentials.accessKeyId}`,
      `--secret-key=${credentials.secretAccessKey}`,
    ])
    say('user created')
    return { endpoint, region: 'us-east-1', credentials, dir, stop }
  } catch (error) {
    const tail = await readFile(join(dir, 'log', 'client.rgw.a.log'), 'utf8').catch(() => '')
    await stop()
    const detail = tail
      ? `\n--- radosgw log (tail) ---\n${tail.split('\n').slice(-20).join('\n')}`
      : ''
    throw new Error(`${(error as Error).message}${detail}`, { cause: error })
  }
}

/** SIGTERM the daemon in `pidFile`, then SIGKILL if it is still there after 3 s. */
async function kill(pidFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim())
  if (!Number.isInteger(pid) || pid <= 1) return
  const alive = () => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  if (!alive()) return
  process.kill(pid, 'SIGTERM')
  // A throw-away cluster needs no clean shutdown: a short grace, then SIGKILL.
  for (let waited = 0; waited < 3_000 && alive(); waited += 100) await sleep(100)
  if (alive()) process.kill(pid, 'SIGKILL')
}

/**
 * Cleans up if this process dies without calling stop (SIGKILL, a crashed test run): a
 * detached shell polls our pid, then kills the daemons by their pid files and deletes `dir`.
 */
function watchdog(dir: string): void {
  const script = `
    while kill -0 ${process.pid} 2>/dev/null && [ -d "$1" ]; do sleep 2; done
    [ -d "$1" ] || exit 0
    for f in "$1"/run/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
    sleep 1; rm -rf "$1"`
  const child = spawn('/bin/sh', ['-c', script, 'rgw-watchdog', dir], {
    detached: true,
    stdio: 'ignore',
  })
  child.unref()
}
