/** `vue-chunked-upload/transport`: the axios-based HTTP transport. */
export { createAxiosTransport, type AxiosTransportOptions } from '../transport'
