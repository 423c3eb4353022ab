import type { App, Component, Plugin } from 'vue'
import { createUploadContext, UploadContextKey } from './context'
import type { UploadOptions } from './options'

/** Options of `app.use(UploadPlugin, options)`: the {@link UploadOptions} every engine below starts from. */
export type UploadPluginOptions = UploadOptions

/**
 * Builds the installable plugin: provides one engine context to the whole app (created
 * lazily on the client) through a typed injection key, registers `components` globally,
 * and disposes the engine when the app unmounts. `UploadPlugin` is this with the three
 * components; src/vue itself never imports components.
 */
export function createUploadPlugin(
  components: Readonly<Record<string, Component>> = {},
): Plugin<[UploadPluginOptions?]> {
  return {
    install(app: App, options: UploadPluginOptions = {}) {
      const context = createUploadContext(options)
      app.provide(UploadContextKey, context)
      for (const [name, component] of Object.entries(components)) app.component(name, component)
      app.onUnmount(context.dispose)
    },
  }
}
