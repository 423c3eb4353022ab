import { createHttpProtocol, UploadPlugin } from 'vue-chunked-upload'

// A universal plugin (not .client): the components render on the server too, and the
// engine is created on the client only, when first used. The test passes the reference
// server's URL and the MD5 engine in the query string.
export default defineNuxtPlugin((nuxtApp) => {
  const query = useRoute().query
  nuxtApp.vueApp.use(UploadPlugin, {
    protocol: () => createHttpProtocol({ endpoint: String(query.endpoint ?? '/api/uploads') }),
    md5: query.md5 === 'wasm' ? 'wasm' : 'spark',
    hashing: true,
  })
})
