import type { Meta, StoryObj } from '@storybook/vue3-vite'
import { expect, spyOn, userEvent, waitFor, within } from 'storybook/test'
import { UploadProgress, type UploaderSnapshot } from 'vue-chunked-upload'
import { createFakeUploader, errorOf, MiB, uploadIn } from '../test/fakes/fake-uploader'
import { brokenJpeg, sampleImage } from './sample-images'
import { engineOf, withUploader } from './with-uploader'

const meta = {
  title: 'Components/UploadProgress',
  component: UploadProgress,
  args: { total: 'auto', controls: true, bulk: 'auto', density: 'comfortable', thumbnails: true },
  argTypes: {
    // The docs table is keyed by name, so the `total` slot would hide behind the `total` prop.
    'slot:total': {
      name: 'total',
      description: 'The total line; the `total` prop says when it shows.',
      control: false,
      table: { category: 'slots', type: { summary: '{ total: TotalProgress; percent: number }' } },
    },
    // Like `total`: the `bulk` slot shares its name with the prop that says when it shows.
    'slot:bulk': {
      name: 'bulk',
      description: 'The buttons for all uploads; the `bulk` prop says when they show.',
      control: false,
      table: {
        category: 'slots',
        type: { summary: '{ actions: BulkAction[]; act: (action: BulkAction) => void }' },
      },
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

/** Image files show a small preview, decoded off the main thread; others an icon of their type. */
export const Thumbnails: Story = {
  loaders: [
    async () => ({
      landscape: await sampleImage(640, 400, 200, 'image/jpeg'),
      portrait: await sampleImage(300, 480, 20),
    }),
  ],
  decorators: [
    withUploader(({ loaded }) => {
      const landscape = uploadIn({ state: 'uploading', retrying: false }, 0.3, {
        id: 'landscape',
        name: 'beach.jpg',
        size: loaded.landscape.size,
        type: 'image/jpeg',
      })
      const portrait = uploadIn({ state: 'queued' }, 0, {
        id: 'portrait',
        name: 'sunset.png',
        size: loaded.portrait.size,
        type: 'image/png',
      })
      const broken = uploadIn({ state: 'queued' }, 0, {
        id: 'broken',
        name: 'damaged.jpg',
        size: 8,
        type: 'image/jpeg',
      })
      return createFakeUploader({ uploads: [landscape, portrait, broken] }, [], {
        landscape: loaded.landscape,
        portrait: loaded.portrait,
        broken: brokenJpeg(),
      })
    }),
  ],
  play: async ({ canvasElement }) => {
    const rowOf = (name: string) =>
      within(canvasElement).getByText(name).closest('li') as HTMLElement
    await waitFor(() =>
      expect(canvasElement.querySelectorAll('img.vcu-progress__thumb')).toHaveLength(2),
    )
    for (const name of ['beach.jpg', 'sunset.png']) {
      const image = rowOf(name).querySelector('img')!
      await expect(image.src).toMatch(/^blob:/)
      await waitFor(() => expect(image.naturalWidth).toBe(96))
      // Decorative: the row says the file's name next to it.
      await expect(image).toHaveAttribute('alt', '')
    }
    // Not decodable: the image icon stays.
    await expect(rowOf('damaged.jpg').querySelector('img')).toBeNull()
    await expect(rowOf('damaged.jpg').querySelector('svg')).toHaveAttribute('data-kind', 'image')
  },
}

/** A thumbnail's object URL is revoked as soon as its row leaves the list. */
export const ThumbnailRevoked: Story = {
  loaders: [async () => ({ photo: await sampleImage(320, 240, 120) })],
  decorators: [
    withUploader(({ loaded }) => {
      const photo = uploadIn({ state: 'done', result: { size: 1 } }, 1, {
        id: 'photo',
        name: 'garden.png',
        size: loaded.photo.size,
        type: 'image/png',
      })
      return createFakeUploader({ uploads: [photo] }, [], { photo: loaded.photo })
    }),
  ],
  play: async ({ canvasElement, ...context }) => {
    const revoke = spyOn(URL, 'revokeObjectURL')
    try {
      await waitFor(() => expect(canvasElement.querySelector('img')).not.toBeNull())
      const url = canvasElement.querySelector('img')!.src
      engineOf(context).set({ uploads: [] })
      await waitFor(() => expect(revoke).toHaveBeenCalledWith(url))
      await expect(canvasElement.querySelector('img')).toBeNull()
    } finally {
      revoke.mockRestore()
    }
  },
}

/** Files of common types each get an inline SVG icon (no icon font). */
export const FileTypeIcons: Story = {
  args: { thumbnails: false },
  decorators: showing({
    uploads: [
      ['holiday.mp4', 'video/mp4'],
      ['podcast.mp3', 'audio/mpeg'],
      ['report.pdf', 'application/pdf'],
      ['backup.tar.gz', 'application/gzip'],
      ['notes.md', ''],
      ['photo.heic', 'image/heic'],
      ['model.bin', 'application/octet-stream'],
    ].map(([name, type]) => uploadIn({ state: 'queued' }, 0, { name, type, size: 3 * MiB })),
  }),
  play: async ({ canvasElement }) => {
    const kinds = [...canvasElement.querySelectorAll('li svg')].map((svg) =>
      svg.getAttribute('data-kind'),
    )
    await expect(kinds).toEqual(['video', 'audio', 'pdf', 'archive', 'text', 'image', 'file'])
    for (const svg of canvasElement.querySelectorAll('li svg'))
      await expect(svg).toHaveAttribute('aria-hidden', 'true')
  },
}

const thousand = () =>
  Array.from({ length: 1000 }, (_, i) => {
    const name = `scan-${String(i + 1).padStart(4, '0')}.pdf`
    const base = { name, size: 2 * MiB + i, type: 'application/pdf' }
    if (i % 7 === 3) return uploadIn({ state: 'error', error: errorOf('network') }, 0.4, base)
    if (i < 40) return uploadIn({ state: 'done', result: { size: 1 } }, 1, base)
    if (i < 44) return uploadIn({ state: 'uploading', retrying: false }, 0.5, base)
    return uploadIn({ state: 'queued' }, 0, base)
  })

/**
 * `density="compact"` with 1,000 files: one line and a thin bar each, in a box that scrolls;
 * only the rows in view are rendered.
 */
export const CompactThousand: Story = {
  args: { density: 'compact' },
  decorators: showing({ uploads: thousand() }),
  play: async ({ canvasElement }) => {
    const rows = canvasElement.querySelectorAll('.vcu-progress__item')
    await expect(rows.length).toBeLessThan(60)
    await expect(rows[0]).toHaveAttribute('aria-setsize', '1000')
    await expect(rows[3]).toHaveTextContent(/scan-0004\.pdf.* · failed · The connection was lost/)
    const viewport = canvasElement.querySelector('.vcu-progress__viewport')!
    viewport.scrollTop = viewport.scrollHeight
    await waitFor(() => expect(canvasElement).toHaveTextContent('scan-1000.pdf'))
  },
}

/**
 * The comfortable list with 1,000 files: a page of 50 rows, then how many more and a button
 * that shows 50 more (`pageSize`); mounting a row for each file would take seconds.
 */
export const ComfortableThousand: Story = {
  decorators: showing({ uploads: thousand() }),
  play: async ({ canvasElement }) => {
    const rows = () => canvasElement.querySelectorAll('.vcu-progress__item')
    await expect(rows()).toHaveLength(50)
    await expect(rows()[0]).toHaveAttribute('aria-setsize', '1000')
    await expect(canvasElement).toHaveTextContent('950 more upload(s) not shown.')
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Show 50 more' }))
    await waitFor(() => expect(rows()).toHaveLength(100))
    await expect(canvasElement).toHaveTextContent('900 more upload(s) not shown.')
  },
}

/** Buttons for every upload at once; the ones that would do nothing are aria-disabled. */
export const BulkActions: Story = {
  decorators: showing({
    uploads: [
      uploadIn({ state: 'uploading', retrying: false }, 0.3, { id: 'run', name: 'a.mp4' }),
      uploadIn({ state: 'error', error: errorOf('network') }, 0.5, { id: 'bad', name: 'b.mp4' }),
      uploadIn({ state: 'done', result: { size: 1 } }, 1, { id: 'ok', name: 'c.mp4' }),
      uploadIn({ state: 'canceled' }, 0.1, { id: 'gone', name: 'd.mp4' }),
    ],
  }),
  play: async ({ canvasElement, ...context }) => {
    const group = within(canvasElement).getByRole('group', { name: 'All uploads' })
    const button = (name: string) => within(group).getByRole('button', { name })
    await expect(button('Resume all')).toHaveAttribute('aria-disabled', 'true')
    await userEvent.click(button('Resume all'))
    await expect(engineOf(context).calls).toEqual([])
    // Keyboard: Tab reaches the buttons, Enter and Space use them.
    button('Pause all').focus()
    await userEvent.keyboard('{Enter}')
    await userEvent.tab()
    await userEvent.tab()
    await expect(button('Retry all')).toHaveFocus()
    await userEvent.keyboard(' ')
    await userEvent.click(button('Clear finished'))
    await expect(engineOf(context).calls).toEqual(['pause', 'retry', 'remove:ok', 'remove:gone'])
  },
}

export const BulkActionsChinese: Story = {
  decorators: showing(
    {
      uploads: [
        uploadIn({ state: 'paused', reason: 'user' }, 0.3, { name: '视频.mp4' }),
        uploadIn({ state: 'done', result: { size: 1 } }, 1, { name: '照片.jpg' }),
      ],
    },
    'zh-CN',
  ),
  play: async ({ canvasElement }) => {
    const group = within(canvasElement).getByRole('group', { name: '全部上传' })
    for (const name of ['全部暂停', '全部继续', '全部重试', '清除已完成'])
      await expect(within(group).getByRole('button', { name })).toBeVisible()
  },
}

const onHtml = (apply: (html: HTMLElement) => void) => () => {
  const html = document.documentElement
  const before = { style: html.getAttribute('style'), theme: html.dataset.vcuTheme }
  apply(html)
  return () => {
    if (before.style === null) html.removeAttribute('style')
    else html.setAttribute('style', before.style)
    if (before.theme === undefined) delete html.dataset.vcuTheme
    else html.dataset.vcuTheme = before.theme
  }
}

const mixed = () =>
  showing({
    uploads: [
      uploadIn({ state: 'uploading', retrying: false }, 0.45, { name: 'clip.mov' }),
      uploadIn({ state: 'error', error: errorOf('network') }, 0.2, { name: 'raw.zip' }),
      uploadIn({ state: 'done', result: { size: 1 } }, 1, { name: 'notes.txt' }),
    ],
  })

/** `data-vcu-theme="dark"` on `<html>` (with a dark page behind): every component follows. */
export const DarkFromHtml: Story = {
  beforeEach: onHtml((html) => {
    html.dataset.vcuTheme = 'dark'
    html.style.background = '#0d1117'
  }),
  decorators: mixed(),
  play: async ({ canvasElement }) => {
    const item = canvasElement.querySelector('.vcu-progress__item')!
    await expect(getComputedStyle(item).backgroundColor).toBe('rgb(13, 17, 23)')
  },
}

/** `:root { --vcu-accent: … }` re-themes the components: defaults never override it. */
export const CustomAccent: Story = {
  beforeEach: onHtml((html) => {
    html.style.setProperty('--vcu-accent', '#6e40c9')
    html.style.setProperty('--vcu-radius', '2px')
  }),
  decorators: mixed(),
  play: async ({ canvasElement }) => {
    const fill = canvasElement.querySelector('.vcu-progress__fill')!
    await expect(getComputedStyle(fill).backgroundColor).toBe('rgb(110, 64, 201)')
  },
}
