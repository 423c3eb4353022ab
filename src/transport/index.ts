/** The HTTP transport behind core's `Transport` port. */
export { createAxiosTransport, type AxiosTransportOptions } from './axios-transport'
