import type { Meta, StoryObj } from '@storybook/vue3-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { ResumeBanner } from 'vue-chunked-upload'
import { GiB } from 'vue-chunked-upload/protocol-kit'
import { createFakeUploader, pendingOf } from '../test/fakes/fake-uploader'
import { engineOf, withUploader } from './with-uploader'

const meta = {
  title: 'Components/ResumeBanner',
  component: ResumeBanner,
} satisfies Meta<typeof ResumeBanner>

export default meta
type Story = StoryObj<typeof meta>

const records = [
  pendingOf('wedding-4k.mov', 12 * GiB, 0.62),
  pendingOf('dataset-2026.parquet', 3 * GiB, 0.1),
  pendingOf('backup.tar.zst', 800 * 1024 ** 2, 0.95),
]

/** Several unfinished uploads from an earlier visit. */
export const SeveralPending: Story = {
  decorators: [withUploader(() => createFakeUploader({}, records))],
  play: async ({ canvasElement, ...context }) => {
    const canvas = within(canvasElement)
    const region = await canvas.findByRole('region', {
      name: '3 unfinished upload(s) from an earlier visit',
    })
    await expect(within(region).getAllByRole('listitem')).toHaveLength(3)
    await expect(region).toHaveTextContent('7.4 GB of 12.0 GB sent')
    // Later (dismiss): hidden for now, nothing deleted.
    await userEvent.click(within(region).getAllByRole('button', { name: 'Later' })[2])
    await waitFor(() => expect(within(region).getAllByRole('listitem')).toHaveLength(2))
    // Clear (discard): deleted on the server.
    await userEvent.click(within(region).getAllByRole('button', { name: 'Clear' })[1])
    await waitFor(() => expect(within(region).getAllByRole('listitem')).toHaveLength(1))
    await expect(engineOf(context).calls).toEqual([`discard:${records[1].key}`])
  },
}

/** Where the file is still reachable (a kept handle), Resume comes first (here via the prop). */
export const Resumable: Story = {
  decorators: [withUploader(() => createFakeUploader({}, records.slice(0, 2)))],
  args: { canResume: (record) => record.file.name.endsWith('.mov') },
  play: async ({ canvasElement }) => {
    const region = await within(canvasElement).findByRole('region')
    await expect(within(region).getAllByRole('button', { name: 'Resume' })).toHaveLength(1)
  },
}

/** Reselecting the file hands it to the engine, which resumes from the record. */
export const Reselect: Story = {
  decorators: [withUploader(() => createFakeUploader({}, records.slice(0, 1)))],
  play: async ({ canvasElement, ...context }) => {
    await within(canvasElement).findByRole('region')
    const input = canvasElement.querySelector<HTMLInputElement>('input[type=file]')!
    input.addEventListener('click', (event) => event.preventDefault())
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Reselect file' }))
    // The dialog itself cannot be driven; the browser fills the input as it would.
    const picked = new DataTransfer()
    picked.items.add(new File(['x'], 'wedding-4k.mov'))
    input.files = picked.files
    input.dispatchEvent(new Event('change'))
    await waitFor(() =>
      expect(engineOf(context).calls).toEqual([`resumeFrom:${records[0].key}:wedding-4k.mov`]),
    )
  },
}

/** A different file picked: refused with a message, nothing sent, the upload still listed. */
export const ReselectRefused: Story = {
  decorators: [withUploader(() => createFakeUploader({}, records.slice(0, 1)))],
  play: async ({ canvasElement }) => {
    await within(canvasElement).findByRole('region')
    const input = canvasElement.querySelector<HTMLInputElement>('input[type=file]')!
    input.addEventListener('click', (event) => event.preventDefault())
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Reselect file' }))
    const picked = new DataTransfer()
    picked.items.add(new File(['x'], 'holiday.mov'))
    input.files = picked.files
    input.dispatchEvent(new Event('change'))
    const alert = await within(canvasElement).findByRole('alert')
    await expect(alert).toHaveTextContent('holiday.mov is not the file this upload was for')
    await expect(within(canvasElement).getAllByRole('listitem')).toHaveLength(1)
  },
}

const deniedHandle = {
  kind: 'file',
  name: 'wedding-4k.mov',
  getFile: async () => new File([], 'wedding-4k.mov'),
  queryPermission: async () => 'prompt',
  requestPermission: async () => 'denied',
}

/** Resume from a kept handle, permission refused: a message, and Reselect file stays. */
export const PermissionDenied: Story = {
  decorators: [
    withUploader(() => createFakeUploader({}, [{ ...records[0], handle: deniedHandle }])),
  ],
  play: async ({ canvasElement }) => {
    const region = await within(canvasElement).findByRole('region')
    await userEvent.click(within(region).getByRole('button', { name: 'Resume' }))
    const alert = await within(region).findByRole('alert')
    await expect(alert).toHaveTextContent('Permission to read the file was not given')
    await expect(within(region).getByRole('button', { name: 'Reselect file' })).toBeVisible()
  },
}

/** Clear (discard) while the server cannot be reached: kept, shown as clearing, retried later. */
export const Clearing: Story = {
  decorators: [
    withUploader(() =>
      createFakeUploader({}, [{ ...records[1], key: `${records[1].key}#offline` }, records[2]]),
    ),
  ],
  play: async ({ canvasElement }) => {
    const region = await within(canvasElement).findByRole('region')
    await userEvent.click(within(region).getAllByRole('button', { name: 'Clear' })[0])
    await waitFor(() => expect(region).toHaveTextContent('Clearing on the server'))
    await expect(within(region).getAllByRole('button', { name: 'Clear' })).toHaveLength(1)
  },
}

/** Everything dismissed with Later: one button brings the list back (undismiss). */
export const HiddenThenReopened: Story = {
  decorators: [withUploader(() => createFakeUploader({}, records.slice(0, 2)))],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const region = await canvas.findByRole('region')
    for (const button of within(region).getAllByRole('button', { name: 'Later' }))
      await userEvent.click(button)
    const undismiss = await canvas.findByRole('button', {
      name: 'Show 2 hidden unfinished upload(s)',
    })
    await userEvent.click(undismiss)
    await expect(within(await canvas.findByRole('region')).getAllByRole('listitem')).toHaveLength(2)
  },
}

export const Chinese: Story = {
  decorators: [withUploader(() => createFakeUploader({}, records), { locale: 'zh-CN' })],
  play: async ({ canvasElement }) => {
    const region = await within(canvasElement).findByRole('region')
    await expect(region).toHaveTextContent('有 3 个上次未完成的上传')
    await expect(within(region).getAllByRole('button', { name: '重新选择文件' })).toHaveLength(3)
  },
}

/** The dark theme: axe checks its contrast too. */
export const Dark: Story = {
  decorators: [
    () => ({
      template:
        '<div data-vcu-theme="dark" style="background:#0d1117;padding:1rem"><story /></div>',
    }),
    withUploader(() => createFakeUploader({}, records)),
  ],
  args: { canResume: (record) => record.file.name.endsWith('.mov') },
  play: async ({ canvasElement }) => {
    const region = await within(canvasElement).findByRole('region')
    await expect(getComputedStyle(region).backgroundColor).toBe('rgb(22, 27, 34)')
  },
}

/** Nothing pending: the banner is not there (last, so the docs page opens on a banner). */
export const NoneLeft: Story = {
  decorators: [withUploader(() => createFakeUploader())],
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelector('section')).toBeNull()
  },
}
