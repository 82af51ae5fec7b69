/** What went wrong in the store database. */
export type StoreDbErrorCode =
  | 'no-database'
  | 'unknown-schema'
  | 'corrupt-schema'
  | 'read-only'
  | 'invalid-path'
  | 'bad-path'
  | 'bad-row'
  | 'cycle'
  | 'path-in-use'
  | 'bad-argument'

/**
 * A store database operation failed. Messages read `store-db: what failed: why (where)`;
 * the ones that mirror a Nix message keep Nix's wording after the prefix.
 */
export class StoreDbError extends Error {
  readonly code: StoreDbErrorCode
  constructor(code: StoreDbErrorCode, message: string, options?: { cause?: unknown }) {
    super(`store-db: ${message}`, options)
    this.name = 'StoreDbError'
    this.code = code
  }
}
