/**
 * Types for the `@uppy6/*` aliases (bench/peers/uppy6, installed only for the bench), just
 * what pages/uppy6.ts uses, so type-checking never needs that install.
 */
declare module '@uppy6/core' {
  export default class Uppy {
    constructor(options?: { autoProceed?: boolean })
    use(plugin: unknown, options: Record<string, unknown>): this
    addFile(file: { name: string; type: string; data: Blob }): string
    upload(): Promise<{ failed?: { error?: unknown }[] } | undefined>
    destroy(): void
  }
}

declare module '@uppy6/aws-s3' {
  const AwsS3: unknown
  export default AwsS3
}
