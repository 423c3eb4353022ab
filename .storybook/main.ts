import { defineMain } from '@storybook/vue3-vite/node'

export default defineMain({
  framework: '@storybook/vue3-vite',
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.ts'],
  addons: ['@storybook/addon-docs', '@storybook/addon-vitest', '@storybook/addon-a11y'],
  // The docgen server replaces the deprecated vue-docgen-api and types event payloads better.
  features: { experimentalDocgenServer: true },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
})
