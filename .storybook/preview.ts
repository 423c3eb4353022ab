import { setup, type Preview } from '@storybook/vue3-vite'
import { createPinia } from 'pinia'
import { runnableSource } from '../stories/show-code'

// useUploadStore needs an active pinia in every story.
setup((app) => {
  app.use(createPinia())
})

const preview: Preview = {
  tags: ['autodocs'],
  parameters: {
    // Every story is an accessibility test: an axe violation fails it under addon-vitest.
    a11y: { test: 'error' },
    // "Show code" gives a whole component that provides its engine, so it runs when copied.
    docs: {
      source: {
        transform: (
          code: string,
          { title, args }: { title: string; args: Record<string, unknown> },
        ) => runnableSource(code, { component: title.split('/').pop()!, args }),
      },
    },
    options: { storySort: { order: ['Introduction', 'Components'] } },
  },
}

export default preview
