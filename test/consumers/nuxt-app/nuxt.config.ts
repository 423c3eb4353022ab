// A Nuxt 4 app with SSR on and no pinia: the set-up docs/nuxt.md describes.
export default defineNuxtConfig({
  compatibilityDate: '2025-07-15',
  ssr: true,
  devtools: { enabled: false },
  telemetry: false,
  css: ['vue-chunked-upload/style.css'],
  // No favicon request: the test fails on any 404 the page logs.
  app: { head: { link: [{ rel: 'icon', href: 'data:,' }] } },
  typescript: { strict: true, typeCheck: false },
})
