import { reactive } from 'vue'
import type { LocaleName } from 'vue-chunked-upload'
import { backends } from './backends'

/** What the person chose in the settings form; the upload area is rebuilt when it changes. */
export const settings = reactive({
  backendId: backends[0].id,
  locale: 'en' as LocaleName,
  hashing: true,
  concurrency: 4,
  chunkMiB: 8,
})
