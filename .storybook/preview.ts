import { setup, type Preview } from '@storybook/vue3-vite'
import { createPinia } from 'pinia'

// useUploadStore needs an active pinia in every story.
setup((app) => {
  app.use(createPinia())
})

const preview: Preview = {
  tags: ['autodocs'],
}

export default preview
