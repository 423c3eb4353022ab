/**
 * `vue-chunked-upload/tabs`: the cross-tab adapters `createDefaultUploader` plugs in: Web
 * Locks (one tab sends a given upload) and a BroadcastChannel (each tab sees what the others
 * send). For an engine built with `createUploader` (`locks`, `peers`).
 */
export {
  createWebLocks,
  createTabChannel,
  type WebLocksOptions,
  type LockManagerLike,
  type TabChannel,
  type TabChannelOptions,
  type ChannelLike,
} from '../tabs'
