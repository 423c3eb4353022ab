export * from '../protocols/tus'
