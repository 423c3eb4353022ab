import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { createHttpProtocol, UploadPlugin } from 'vue-chunked-upload'
import 'vue-chunked-upload/style.css'
import App from './App.vue'

// The test passes the reference server's URL and the MD5 engine in the query string.
const params = new URLSearchParams(location.search)
const endpoint = params.get('endpoint') ?? '/api/uploads'
const md5 = params.get('md5') === 'wasm' ? 'wasm' : 'spark'

createApp(App)
  .use(createPinia())
  .use(UploadPlugin, { protocol: createHttpProtocol({ endpoint }), md5, hashing: true })
  .mount('#app')
