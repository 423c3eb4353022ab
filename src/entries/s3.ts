export * from '../protocols/s3'
