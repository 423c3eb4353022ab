export { en } from './en'
export { zhCN } from './zh-CN'
export { formatError, formatBytes, locales, type LocaleName } from './format'
export type { Messages, MessageOverrides } from './types'
