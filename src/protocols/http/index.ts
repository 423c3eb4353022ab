export { createHttpProtocol, httpCapabilities, type HttpProtocolOptions } from './protocol'
