/**
 * Helpers for tests that drive the reference server over real HTTP on 127.0.0.1:
 * a server on a fresh temp store, and thin wrappers over the protocol's routes.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startReferenceServer } from '../index'
import type { RunningReferenceServer, StartReferenceServerOptions } from '../index'

export { MiB } from '../s3/limits'
export const KiB = 1024
/** The protocol's smallest chunk: keeps test files small while still multi-chunk. */
export const CHUNK = 256 * KiB

export interface TestServer extends RunningReferenceServer {
  root: string
  /** Closes the server and deletes its store. */
  dispose(): Promise<void>
  /** Starts another server on the same store (after `close`), as a restart would. */
  restart(options?: Partial<StartReferenceServerOptions>): Promise<TestServer>
}

export async function startTestServer(
  options: Partial<StartReferenceServerOptions> = {},
  root?: string,
): Promise<TestServer> {
  const dir = root ?? (await mkdtemp(join(tmpdir(), 'vcu-server-')))
  const running = await startReferenceServer({ ...options, root: dir })
  return {
    ...running,
    root: dir,
    dispose: async () => {
      await running.close()
      await rm(dir, { recursive: true, force: true })
    },
    restart: (more = {}) => startTestServer({ ...options, ...more }, dir),
  }
}

export const md5Hex = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex')
export const md5Base64 = (bytes: Uint8Array): string =>
  createHash('md5').update(bytes).digest('base64')
export const randomFile = (size: number): Buffer => randomBytes(size)

/** Bytes of chunk `index` of `file`. */
export const chunkOf = (file: Buffer, index: number, chunkSize = CHUNK): Buffer =>
  file.subarray(index * chunkSize, Math.min(file.length, (index + 1) * chunkSize))

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests probe arbitrary JSON fields
export interface Answer<T = any> {
  status: number
  body: T
  headers: Headers
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text()
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    headers: response.headers,
  }
}

export function postJson(url: string, body: unknown): Promise<Answer> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(answer)
}

export async function createUpload(
  server: TestServer,
  file: Buffer,
  extra: Record<string, unknown> = {},
): Promise<Answer> {
  return postJson(`${server.httpUrl}/uploads`, {
    name: 'data.bin',
    size: file.length,
    type: 'application/octet-stream',
    lastModified: 1_763_700_000_000,
    chunkSize: CHUNK,
    fingerprint: md5Hex(file.subarray(0, 4096)),
    ...extra,
  })
}

export const getStatus = (server: TestServer, id: string): Promise<Answer> =>
  fetch(`${server.httpUrl}/uploads/${id}`).then(answer)

export function putChunk(
  server: TestServer,
  id: string,
  index: number,
  bytes: Uint8Array,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return fetch(`${server.httpUrl}/uploads/${id}/chunks/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: bytes as Uint8Array<ArrayBuffer>, // Node's Buffers are typed over ArrayBufferLike
  }).then(answer)
}

export const complete = (server: TestServer, id: string, hash?: string): Promise<Answer> =>
  postJson(`${server.httpUrl}/uploads/${id}/complete`, hash === undefined ? {} : { hash })

/** Names in a store folder that belong to `id` (its meta, part, data or tmp files). */
export async function filesOf(
  server: TestServer,
  folder: 'uploads' | 'files',
  id: string,
): Promise<string[]> {
  return (await readdir(join(server.root, folder))).filter((name) => name.startsWith(id))
}

/** Polls `check` until it returns true (or fails after `timeoutMs`). */
/** Every name left in a test server's store folders (incomplete uploads and files). */
export async function storedNames(server: TestServer): Promise<string[]> {
  const [uploads, files] = await Promise.all([
    readdir(join(server.root, 'uploads')),
    readdir(join(server.root, 'files')),
  ])
  return [...uploads, ...files]
}

export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
