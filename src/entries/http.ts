export * from '../protocols/http'
