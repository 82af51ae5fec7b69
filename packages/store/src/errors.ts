/** What went wrong in the local store. */
export type StoreErrorCode =
  | 'bad-store'
  | 'not-in-store'
  | 'invalid-path'
  | 'unsupported-file'
  | 'lock-timeout'
  | 'bad-argument'
  | 'unsupported'

/** A local store operation failed. Messages read like Nix's, lower-case, naming the path. */
export class StoreError extends Error {
  readonly code: StoreErrorCode
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreError'
    this.code = code
  }
}
