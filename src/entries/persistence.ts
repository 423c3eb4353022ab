export * from '../persistence'
