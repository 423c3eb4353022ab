import type { Meta, StoryObj } from '@storybook/vue3-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { UploadProgress, type UploaderSnapshot } from 'vue-chunked-upload'
import { createFakeUploader, errorOf, MiB, uploadIn } from './fake-uploader'
import { engineOf, withUploader } from './with-uploader'

const meta = {
  title: 'Components/UploadProgress',
  component: UploadProgress,
  args: { total: 'auto', controls: true },
  argTypes: {
    // The docs table is keyed by name, so the `total` slot would hide behind the `total` prop.
    'slot:total': {
      name: 'total',
      description: 'The total line; the `total` prop says when it shows.',
      control: false,
      table: { category: 'slots', type: { summary: '{ total: TotalProgress; percent: number }' } },
    },
  } as Meta<typeof UploadProgress>['argTypes'],
} satisfies Meta<typeof UploadProgress>

export default meta
type Story = StoryObj<typeof meta>

const showing = (snapshot: Partial<UploaderSnapshot>, locale: 'en' | 'zh-CN' = 'en') => [
  withUploader(() => createFakeUploader(snapshot), { locale }),
]

const bar = (canvas: HTMLElement, name: string) => within(canvas).getByRole('progressbar', { name })

export const Empty: Story = {
  decorators: showing({}),
  play: async ({ canvasElement }) => {
    await expect(canvasElement).toHaveTextContent('No uploads yet.')
  },
}

export const Hashing: Story = {
  decorators: showing({ uploads: [uploadIn({ state: 'hashing' }, 0.1, { name: 'dataset.tar' })] }),
  play: async ({ canvasElement }) => {
    await expect(bar(canvasElement, 'dataset.tar')).toHaveAttribute(
      'aria-valuetext',
      '10 %, checking the file',
    )
  },
}

export const Uploading: Story = {
  decorators: showing({
    uploads: [uploadIn({ state: 'uploading', retrying: false }, 0.42, { name: 'holiday.mp4' })],
  }),
  play: async ({ canvasElement, ...context }) => {
    const progress = bar(canvasElement, 'holiday.mp4')
    await expect(progress).toHaveAttribute('aria-valuenow', '42')
    await expect(progress).toHaveAttribute('aria-valuetext', '42 %, uploading')
    await expect(canvasElement).toHaveTextContent('12.0 MB/s')
    await expect(canvasElement).toHaveTextContent('left')
    await userEvent.click(within(canvasElement).getByRole('button', { name: /Pause/ }))
    await expect(engineOf(context).calls).toEqual([expect.stringMatching(/^pause:u\d+$/)])
  },
}

export const Paused: Story = {
  decorators: showing({
    uploads: [uploadIn({ state: 'paused', reason: 'user' }, 0.6, { name: 'backup.zip' })],
  }),
  play: async ({ canvasElement, ...context }) => {
    await expect(canvasElement).toHaveTextContent('backup.zip · 640.0 MB · paused')
    await userEvent.click(within(canvasElement).getByRole('button', { name: /Resume/ }))
    await expect(engineOf(context).calls[0]).toMatch(/^resume:/)
  },
}

export const Offline: Story = {
  decorators: showing({
    online: false,
    uploads: [uploadIn({ state: 'paused', reason: 'offline' }, 0.3, { name: 'scan.tiff' })],
  }),
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('status')).toHaveTextContent('You are offline')
    await expect(canvasElement).toHaveTextContent('offline, waiting for the network')
  },
}

export const Retrying: Story = {
  decorators: showing({
    uploads: [
      uploadIn({ state: 'uploading', retrying: true }, 0.5, { name: 'video.mov', retries: 2 }),
    ],
  }),
  play: async ({ canvasElement }) => {
    await expect(bar(canvasElement, 'video.mov')).toHaveAttribute(
      'aria-valuetext',
      '50 %, retrying',
    )
  },
}

export const Error: Story = {
  decorators: showing({
    uploads: [
      uploadIn({ state: 'error', error: errorOf('hash-mismatch') }, 1, { name: 'report.pdf' }),
    ],
  }),
  play: async ({ canvasElement, ...context }) => {
    await expect(canvasElement).toHaveTextContent(
      'The uploaded file does not match the file on your device.',
    )
    await expect(canvasElement).not.toHaveTextContent('developer message')
    await userEvent.click(within(canvasElement).getByRole('button', { name: /Retry/ }))
    await expect(engineOf(context).calls[0]).toMatch(/^retry:/)
  },
}

export const ErrorChinese: Story = {
  decorators: showing(
    {
      uploads: [uploadIn({ state: 'error', error: errorOf('expired') }, 0.3, { name: '报告.pdf' })],
    },
    'zh-CN',
  ),
  play: async ({ canvasElement }) => {
    await expect(canvasElement).toHaveTextContent('此上传任务在服务器上已过期')
    await expect(within(canvasElement).getByRole('button', { name: /重试/ })).toBeVisible()
  },
}

export const Done: Story = {
  decorators: showing({
    uploads: [
      uploadIn({ state: 'done', result: { size: 640 * MiB } }, 1, {
        name: 'holiday.mp4',
        resumed: true,
      }),
    ],
  }),
  play: async ({ canvasElement }) => {
    await expect(canvasElement).toHaveTextContent('holiday.mp4 · 640.0 MB · done · resumed')
    await expect(bar(canvasElement, 'holiday.mp4')).toHaveAttribute('aria-valuenow', '100')
  },
}

/** Several files in different states, with the total. */
export const Several: Story = {
  decorators: showing({
    uploads: [
      uploadIn({ state: 'uploading', retrying: false }, 0.25, { name: 'a.mp4' }),
      uploadIn({ state: 'queued' }, 0, { name: 'b.mp4', size: 64 * MiB }),
      uploadIn({ state: 'done', result: { size: 1 } }, 1, { name: 'c.mp4', size: 8 * MiB }),
    ],
  }),
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getAllByRole('progressbar')).toHaveLength(4)
    await expect(bar(canvasElement, 'Total')).toBeVisible()
  },
}

/** State changes are announced politely. */
export const AnnouncesCompletion: Story = {
  decorators: showing({
    uploads: [uploadIn({ state: 'completing' }, 1, { name: 'final.iso', id: 'fin' })],
  }),
  play: async ({ canvasElement, ...context }) => {
    const engine = engineOf(context)
    const [upload] = engine.getSnapshot().uploads
    engine.set({ uploads: [{ ...upload, status: { state: 'done', result: { size: 1 } } }] })
    const live = canvasElement.querySelector('[aria-live=polite]')!
    await waitFor(() => expect(live).toHaveTextContent('final.iso uploaded.'))
  },
}

/** The dark theme (data-vcu-theme="dark"): axe checks its contrast too. */
export const Dark: Story = {
  decorators: [
    () => ({
      template:
        '<div data-vcu-theme="dark" style="background:#0d1117;padding:1rem"><story /></div>',
    }),
    ...showing({
      online: false,
      uploads: [
        uploadIn({ state: 'uploading', retrying: true }, 0.3, { name: 'r.mp4' }),
        uploadIn({ state: 'paused', reason: 'offline' }, 0.5, { name: 'o.mp4' }),
        uploadIn({ state: 'error', error: errorOf('network') }, 0.2, { name: 'e.mp4' }),
        uploadIn({ state: 'done', result: { size: 1 } }, 1, { name: 'd.mp4', resumed: true }),
      ],
    }),
  ],
  play: async ({ canvasElement }) => {
    const item = canvasElement.querySelector('.vcu-progress__item')!
    await expect(getComputedStyle(item).backgroundColor).toBe('rgb(13, 17, 23)')
  },
}

/** The same file is uploading in another tab: this one waits, following that tab's bytes. */
export const UploadingElsewhere: Story = {
  decorators: showing({
    uploads: [uploadIn({ state: 'paused', reason: 'elsewhere' }, 0.35, { name: 'holiday.mp4' })],
    elsewhere: [
      {
        key: 'vcu|http|/uploads|1700000000000|video/mp4|holiday.mp4|671088640:abc',
        name: 'holiday.mp4',
        size: 640 * MiB,
        bytesUploaded: Math.round(640 * MiB * 0.35),
        state: 'uploading',
        tab: 'other-tab',
        seenAt: 0,
      },
    ],
  }),
  play: async ({ canvasElement, ...context }) => {
    await expect(bar(canvasElement, 'holiday.mp4')).toHaveAttribute(
      'aria-valuetext',
      '35 %, uploading in another tab',
    )
    await expect(canvasElement).toHaveTextContent(
      'holiday.mp4 · 640.0 MB · uploading in another tab',
    )
    await expect(within(canvasElement).queryByRole('button', { name: /Resume/ })).toBeNull()
    await userEvent.click(within(canvasElement).getByRole('button', { name: /Pause/ }))
    await expect(engineOf(context).calls).toEqual([expect.stringMatching(/^pause:u\d+$/)])
  },
}

export const UploadingElsewhereChinese: Story = {
  decorators: showing(
    { uploads: [uploadIn({ state: 'paused', reason: 'elsewhere' }, 0.6, { name: '视频.mp4' })] },
    'zh-CN',
  ),
  play: async ({ canvasElement }) => {
    await expect(canvasElement).toHaveTextContent('正在另一个标签页中上传')
  },
}
