import { setup, type Preview } from '@storybook/vue3-vite'
import { createPinia } from 'pinia'

// useUploadStore needs an active pinia in every story.
setup((app) => {
  app.use(createPinia())
})

const preview: Preview = {
  tags: ['autodocs'],
  parameters: {
    // Every story is an accessibility test: an axe violation fails it under addon-vitest.
    a11y: { test: 'error' },
  },
}

export default preview
