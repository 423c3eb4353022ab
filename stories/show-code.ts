/**
 * "Show code" in the docs pages: Storybook prints the component in an SFC of its own, which
 * throws when copied into an app (the components need an engine: `app.use(UploadPlugin, …)`
 * or `provideChunkedUpload`). This adds one to the snippet, so it runs as pasted against
 * the reference server of `npm run dev`.
 */
const COMPONENTS = ['UploadDropzone', 'UploadProgress', 'ResumeBanner'] as const
const HELPERS = ['createHttpProtocol', 'provideChunkedUpload']

/** The endpoint the copied code uploads to: the reference server `npm run dev` starts. */
export const SNIPPET_ENDPOINT = 'http://127.0.0.1:8787/http'

const PROVIDE = `import 'vue-chunked-upload/style.css'

// The engine these components use; for the whole app instead:
// app.use(UploadPlugin, { protocol: () => createHttpProtocol({ endpoint }) })
provideChunkedUpload({
  protocol: () => createHttpProtocol({ endpoint: '${SNIPPET_ENDPOINT}' }),
})
`

const IMPORT = /^import \{([^}]*)\} from ['"]vue-chunked-upload['"];?$/m
const SCRIPT = /<script\b[^>]*\bsetup\b[^>]*>\n?([\s\S]*?)<\/script>/

/** The story being shown: its component's name and its args. */
export interface ShownStory {
  component: string
  args: Readonly<Record<string, unknown>>
}

/** The component's tag with the story's plain args as attributes (functions are left out). */
export function tagOf({ component, args }: ShownStory): string {
  const attributes = Object.entries(args).flatMap(([name, value]) => {
    if (typeof value === 'boolean') return [value ? name : `:${name}="false"`]
    if (typeof value === 'number') return [`:${name}="${value}"`]
    if (typeof value === 'string') return [`${name}="${value.replace(/"/g, '&quot;')}"`]
    return []
  })
  return `<${[component, ...attributes].join(' ')} />`
}

/**
 * Storybook's snippet (a whole SFC, or a bare template) with the engine provided. When
 * Storybook offers the story's CSF source instead (a story with a play function), the
 * component is written out from the story's args.
 */
export function runnableSource(code: string, story?: ShownStory): string {
  if (code.includes('provideChunkedUpload(')) return code
  if (!code.trimStart().startsWith('<')) return story ? runnableSource(tagOf(story)) : code
  const script = SCRIPT.exec(code)
  if (!script) {
    const template = code
      .trim()
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n')
    return runnableSource(
      `<script lang="ts" setup>\n</script>\n\n<template>\n${template}\n</template>\n`,
    )
  }
  const used = COMPONENTS.filter((name) => new RegExp(`<${name}\\b`).test(code))
  let body = script[1]
  const existing = IMPORT.exec(body)
  const names = new Set([
    ...(existing ? existing[1].split(',').map((name) => name.trim()) : []),
    ...used,
    ...HELPERS,
  ])
  names.delete('')
  const line = `import { ${[...names].join(', ')} } from 'vue-chunked-upload'`
  body = existing ? body.replace(IMPORT, line) : `${line}\n${body}`
  body = `${body.trimEnd()}\n${PROVIDE}`
  const open = /<script\b[^>]*>/.exec(script[0])![0]
  return code.replace(script[0], `${open}\n${body}</script>`)
}
