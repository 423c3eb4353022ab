export { createTusProtocol, tusCapabilities, type TusProtocolOptions } from './protocol'
export type { TusHeaders } from './client'
