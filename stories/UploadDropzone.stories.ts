import type { Meta, StoryObj } from '@storybook/vue3-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { UploadDropzone } from 'vue-chunked-upload'
import { engineOf, withUploader } from './with-uploader'

const meta = {
  title: 'Components/UploadDropzone',
  component: UploadDropzone,
  decorators: [
    withUploader(undefined, { accept: ['.mp4', '.zip', 'video/*'], maxFileSize: 50 * 1024 ** 3 }),
  ],
  args: { multiple: true, directory: false, disabled: false },
} satisfies Meta<typeof UploadDropzone>

export default meta
type Story = StoryObj<typeof meta>

const file = (name: string, size = 16) =>
  new File([new Uint8Array(size)], name, { type: 'video/mp4' })

/** Nothing chosen yet: a button (Enter/Space open the dialog) with what is accepted. */
export const Empty: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const button = canvas.getByRole('button', { name: /Drop files or folders here/ })
    await expect(button).toHaveAccessibleDescription(/Accepted: \.mp4, \.zip, video\/\*/)
    await expect(button).toHaveAccessibleDescription(/Up to 50\.0 GB per file/)
    button.focus()
    await expect(button).toHaveFocus()
  },
}

/** A file dragged over the zone. */
export const Dragging: Story = {
  play: async ({ canvasElement }) => {
    const zone = canvasElement.querySelector('.vcu-dropzone')!
    const transfer = new DataTransfer()
    transfer.items.add(file('clip.mp4'))
    zone.dispatchEvent(
      new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: transfer }),
    )
    await waitFor(() => expect(zone).toHaveAttribute('data-state', 'dragging'))
    await expect(within(canvasElement).getByText('Release to add the files')).toBeVisible()
  },
}

/**
 * Count and total-size limits in the hint. The hint shows what the engine checks: a limit
 * changed on the engine (`setRestrictions`) or through a ref shows at once.
 */
export const Limits: Story = {
  decorators: [withUploader(undefined, { maxFiles: 5, maxTotalSize: 10 * 1024 ** 3 })],
  play: async ({ canvasElement, ...context }) => {
    const button = within(canvasElement).getByRole('button', { name: /Drop files/ })
    await expect(button).toHaveAccessibleDescription(/At most 5 files/)
    await expect(button).toHaveAccessibleDescription(/Up to 10\.0 GB in total/)
    engineOf(context).setRestrictions({ maxTotalSize: 2 * 1024 ** 3 })
    await waitFor(() => expect(button).toHaveAccessibleDescription(/Up to 2\.0 GB in total/))
  },
}

/** Files chosen through the dialog reach the engine. */
export const Chosen: Story = {
  play: async ({ canvasElement, ...context }) => {
    const input = canvasElement.querySelector<HTMLInputElement>('input[type=file]')!
    await userEvent.upload(input, [file('a.mp4'), file('b.mp4')])
    await expect(engineOf(context).calls).toEqual(['add:a.mp4,b.mp4'])
    await waitFor(() => expect(canvasElement).toHaveTextContent('2 file(s) added.'))
  },
}

/** A refused file: the message comes from the locale, never a raw error. */
export const RejectedFile: Story = {
  play: async ({ canvasElement }) => {
    const input = canvasElement.querySelector<HTMLInputElement>('input[type=file]')!
    await userEvent.upload(input, [file('empty.mp4', 0)])
    const alert = await within(canvasElement).findByRole('alert')
    await expect(alert).toHaveTextContent('Some files were not added')
    await expect(alert).toHaveTextContent('empty.mp4 is too small (at least 1 B is needed).')
  },
}

/** The same, in 简体中文. */
export const RejectedFileChinese: Story = {
  decorators: [withUploader(undefined, { locale: 'zh-CN' })],
  play: async ({ canvasElement }) => {
    const input = canvasElement.querySelector<HTMLInputElement>('input[type=file]')!
    await userEvent.upload(input, [file('empty.mp4', 0)])
    const alert = await within(canvasElement).findByRole('alert')
    await expect(alert).toHaveTextContent('empty.mp4 太小了')
  },
}

/**
 * A dropped folder the browser could not read (moved away, no permission): the files that
 * could be read are added, and the folder is listed with a localized `folder-unreadable`.
 */
export const FolderUnreadable: Story = {
  play: async ({ canvasElement, ...context }) => {
    const zone = canvasElement.querySelector('.vcu-dropzone')!
    const readable = {
      name: 'clips',
      isFile: false,
      isDirectory: true,
      createReader: () => {
        let done = false
        return {
          readEntries: (ok: (entries: unknown[]) => void) => {
            const batch = done
              ? []
              : [
                  {
                    name: 'a.mp4',
                    isFile: true,
                    isDirectory: false,
                    file: (give: (f: File) => void) => give(file('a.mp4')),
                  },
                ]
            done = true
            ok(batch)
          },
        }
      },
    }
    const locked = {
      name: 'locked',
      isFile: false,
      isDirectory: true,
      createReader: () => ({
        readEntries: (_ok: unknown, fail: (error: unknown) => void) =>
          fail(new DOMException('The folder is gone', 'NotFoundError')),
      }),
    }
    const drop = new DragEvent('drop', { bubbles: true, cancelable: true })
    Object.defineProperty(drop, 'dataTransfer', {
      value: {
        items: [readable, locked].map((entry) => ({
          kind: 'file',
          type: '',
          webkitGetAsEntry: () => entry,
        })),
        files: [],
        types: ['Files'],
      },
    })
    zone.dispatchEvent(drop)
    const alert = await within(canvasElement).findByRole('alert')
    await expect(alert).toHaveTextContent('The folder locked could not be read in full')
    await expect(engineOf(context).calls).toEqual(['add:a.mp4'])
  },
}

export const Disabled: Story = {
  args: { disabled: true },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('button')).toBeDisabled()
  },
}
