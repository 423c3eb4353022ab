export { createWebLocks, type WebLocksOptions, type LockManagerLike } from './web-locks'
export {
  createTabChannel,
  type TabChannel,
  type TabChannelOptions,
  type ChannelLike,
} from './channel'
