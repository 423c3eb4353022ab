import { startRgw } from '/work/wt/h16s3/test/infra/rgw/rgw'
async function main() {
  const rgw = await startRgw({ log: (l) => console.log(l) })
  console.log(JSON.stringify({ endpoint: rgw.endpoint, region: rgw.region, ...rgw.credentials }))
  process.on('SIGTERM', () => { void rgw.stop().then(() => process.exit(0)) })
  setInterval(() => {}, 1 << 30)
}
void main()
