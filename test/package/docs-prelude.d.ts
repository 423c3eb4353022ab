/**
 * What the docs' snippets take as given (an app, a protocol, an uploader, the page's own
 * helpers), typed from the packed package so a snippet that misuses the API fails.
 */
import type { App as VueApp, Component } from 'vue'
import type * as vcu from 'vue-chunked-upload'

declare global {
  /** The app's root component and app instance. */
  const App: Component
  const app: VueApp
  const protocol: vcu.UploadProtocol
  const transport: vcu.UploaderOptions['transport']
  const uploader: vcu.Uploader
  /** The request context a protocol method receives. */
  const req: Parameters<vcu.UploadProtocol['status']>[0]
  const url: string
  const id: string
  const input: HTMLInputElement
  const pickedFile: File
  const locale: vcu.LocaleName
  /** Auto-imported names, as in a Nuxt or unplugin-auto-import app. */
  const ref: typeof import('vue').ref
  const useChunkedUpload: typeof vcu.useChunkedUpload
  const formatError: typeof vcu.formatError
  /** Nuxt's auto-imports, as far as docs/nuxt.md uses them. */
  function defineNuxtConfig(config: { css?: string[] }): unknown
  function defineNuxtPlugin(setup: (nuxtApp: { vueApp: VueApp }) => void): unknown
  /** The page's own helpers. */
  function render(uploads: vcu.UploaderSnapshot['uploads'], total: vcu.TotalProgress): void
  function toast(message: string): void
  function show(message: string): void
  function token(): string
}
