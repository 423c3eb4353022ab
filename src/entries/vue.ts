/**
 * `vue-chunked-upload/vue`: the Vue layer alone: UploadPlugin, the composable, the store,
 * the components, and the message helpers they show text with.
 */
export * from '../vue'
export * from '../components'
export {
  formatError,
  formatBytes,
  formatMessage,
  formatDuration,
  type LocaleName,
  type Messages,
  type MessageOverrides,
  type UiMessages,
} from '../locales'
