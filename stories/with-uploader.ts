import type { Decorator, StoryContext } from '@storybook/vue3-vite'
import { defineComponent, h } from 'vue'
import { provideChunkedUpload, type UploadOptions } from 'vue-chunked-upload'
import { createFakeUploader, type FakeUploader } from '../test/fakes/fake-uploader'

/**
 * Gives a story its own fake engine (fresh on every render, so play functions never share
 * state; `make` gets the story context, e.g. its `loaded` data) through `provideChunkedUpload`, exactly as an app's upload area would. The engine
 * is on `context.parameters.engine` after the render for play functions to inspect.
 */
export function withUploader(
  make: (context: StoryContext) => FakeUploader = () => createFakeUploader(),
  options: UploadOptions = {},
): Decorator {
  return (story, context) => {
    const engine = make(context)
    ;(context.parameters as { engine?: FakeUploader }).engine = engine
    return defineComponent({
      name: 'WithUploader',
      setup() {
        provideChunkedUpload({ ...options, uploader: engine })
        return () => h('div', { style: 'max-width: 40rem' }, [h(story())])
      },
    })
  }
}

/** The fake engine of the story being played. */
export const engineOf = (context: { parameters: unknown }): FakeUploader =>
  (context.parameters as { engine: FakeUploader }).engine
