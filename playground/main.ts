import { createApp } from 'vue'
import { UploadPlugin } from 'vue-chunked-upload'
import App from './App.vue'
import { settings } from './settings'

// The plugin registers the components and provides app-wide defaults (here the language);
// each upload area provides its own engine for the backend chosen (see UploadArea.vue).
createApp(App)
  .use(UploadPlugin, { locale: () => settings.locale })
  .mount('#app')
