/**
 * Vitest globalSetup of the projects with S3 suites (integration, browser): starts one
 * throw-away Ceph RGW for the whole run and hands it to the suites through the environment
 * (`S3_ENDPOINT`, `S3_REGION`, `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`; no `S3_BUCKET`, so
 * each suite makes a fresh bucket), which test/infra/s3-target.ts reads.
 *
 * - `S3_ENDPOINT`/`S3_ACCESS_KEY_ID` already set: that S3 is used, nothing is started.
 * - Under CI, or with `VCU_S3=rgw`: RGW must start, or the run fails (never a skip).
 * - Otherwise (a quick local run): nothing; the suites use the in-process local S3.
 */
import type { TestProject } from 'vitest/node'
import { startRgw, type Rgw } from './rgw/rgw'
import { s3FromEnv } from './s3-target'

const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase())

let rgw: Rgw | undefined

export async function setup(project: TestProject): Promise<void> {
  if (s3FromEnv()) return
  const wanted = process.env.VCU_S3 ?? (ci ? 'rgw' : 'local')
  if (wanted !== 'rgw') return
  rgw = await startRgw({ log: (line) => console.log(`[${project.name}] ${line}`) })
  Object.assign(process.env, {
    S3_ENDPOINT: rgw.endpoint,
    S3_REGION: rgw.region,
    S3_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
    VCU_S3_NAME: 'rgw',
  })
}

export async function teardown(): Promise<void> {
  if (!rgw) return
  await rgw.stop()
  for (const name of [
    'S3_ENDPOINT',
    'S3_REGION',
    'S3_ACCESS_KEY_ID',
    'S3_SECRET_ACCESS_KEY',
    'VCU_S3_NAME',
  ]) {
    delete process.env[name]
  }
  rgw = undefined
}
