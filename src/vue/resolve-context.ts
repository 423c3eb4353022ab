import { tryOnScopeDispose } from '@vueuse/core'
import { createUploadContext, injectUploadContext, type UploadContext } from './context'
import { hasEngine, mergeOptions, type UploadOptions } from './options'

/**
 * The context a composable works on, and the options in effect for its caller: the
 * provided one (app or ancestor), or, when `options` name a backend (or nothing provides
 * one), a context of the caller's own, disposed with the calling scope.
 */
export function resolveContext(
  options: UploadOptions,
  caller: string,
): { context: UploadContext; effective: UploadOptions } {
  const provided = injectUploadContext()
  let context: UploadContext
  if (hasEngine(options) || !provided || !hasEngine(provided.options)) {
    const merged = mergeOptions(provided?.options, options)
    if (!hasEngine(merged)) {
      throw new Error(
        `[vue-chunked-upload] ${caller}() has no backend: pass \`protocol\` to ` +
          'app.use(UploadPlugin, { protocol }), provideChunkedUpload({ protocol }) or ' +
          `${caller}({ protocol }). See ` +
          'https://github.com/vue-chunked-upload/vue-chunked-upload/blob/main/docs/vue.md',
      )
    }
    context = createUploadContext(merged)
    tryOnScopeDispose(context.dispose)
  } else {
    context = provided
  }
  // Options other than the engine's (locale, messages) still apply to this caller.
  const effective = mergeOptions(context.options, hasEngine(options) ? undefined : options)
  context.connect()
  return { context, effective }
}
