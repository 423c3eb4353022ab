/**
 * What Storybook's docs pages teach: "Show code" gives a component that runs when pasted.
 */
import { describe, expect, it } from 'vitest'
import { compileScript, compileTemplate, parse } from 'vue/compiler-sfc'
import * as pkg from '../../src/index'
import { runnableSource, SNIPPET_ENDPOINT } from '../../stories/show-code'

describe('"Show code"', () => {
  const compiles = (code: string) => {
    const { descriptor, errors } = parse(code, { filename: 'Upload.vue' })
    expect(errors).toEqual([])
    const script = compileScript(descriptor, { id: 'x' })
    const template = compileTemplate({
      source: descriptor.template!.content,
      filename: 'Upload.vue',
      id: 'x',
    })
    expect(template.errors).toEqual([])
    const imported = /import \{ ([^}]+) \} from 'vue-chunked-upload'/.exec(script.content)![1]
    const names = imported.split(',').map((name) => name.trim())
    for (const name of names) expect(pkg, name).toHaveProperty(name)
    expect(script.content).toContain(
      `provideChunkedUpload({\n  protocol: () => createHttpProtocol({ endpoint: '${SNIPPET_ENDPOINT}' }),`,
    )
    return { names, template: descriptor.template!.content }
  }

  it("adds the engine to Storybook's SFC, keeping its imports and template", () => {
    const generated =
      '<script lang="ts" setup>\nimport { ResumeBanner } from \'vue-chunked-upload\';\n</script>\n\n<template>\n  <ResumeBanner />\n</template>'
    const { names, template } = compiles(runnableSource(generated))
    expect(names).toEqual(['ResumeBanner', 'createHttpProtocol', 'provideChunkedUpload'])
    expect(template.trim()).toBe('<ResumeBanner />')
  })

  it('wraps a bare template into such an SFC', () => {
    const { names, template } = compiles(
      runnableSource('<UploadDropzone :multiple="true" :directory="false" />'),
    )
    expect(names).toEqual(['UploadDropzone', 'createHttpProtocol', 'provideChunkedUpload'])
    expect(template.trim()).toBe('<UploadDropzone :multiple="true" :directory="false" />')
  })

  it('leaves a snippet that already provides an engine alone', () => {
    const once = runnableSource('<UploadProgress />')
    expect(runnableSource(once)).toBe(once)
    expect(runnableSource('{ play: async () => {} }')).toBe('{ play: async () => {} }')
  })

  it("writes the component out from the story's args when Storybook shows its CSF source", () => {
    const csf = '{\n  play: async ({ canvasElement }) => {}\n}'
    const story = {
      component: 'UploadDropzone',
      args: {
        multiple: true,
        directory: false,
        disabled: false,
        label: 'a "b"',
        getValueLabel: () => '',
      },
    }
    const { names, template } = compiles(runnableSource(csf, story))
    expect(names).toEqual(['UploadDropzone', 'createHttpProtocol', 'provideChunkedUpload'])
    expect(template.trim()).toBe(
      '<UploadDropzone multiple :directory="false" :disabled="false" label="a &quot;b&quot;" />',
    )
  })
})
