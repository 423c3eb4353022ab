export { en } from './en'
export { zhCN } from './zh-CN'
export {
  formatError,
  formatBytes,
  formatMessage,
  formatDuration,
  locales,
  type LocaleName,
} from './format'
export type { Messages, MessageOverrides, UiMessages } from './types'
