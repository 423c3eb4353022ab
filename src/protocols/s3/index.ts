export { createS3Protocol, s3Capabilities, type S3ProtocolOptions } from './protocol'
export { ETAG_UNREADABLE, isEtagUnreadable } from './errors'
export { multipartEtag } from './md5'
