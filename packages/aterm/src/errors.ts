/** Why a .drv text was rejected. */
export type AtermErrorCode =
  | 'unexpected-end'
  | 'unexpected-byte'
  | 'bad-escape'
  | 'raw-control'
  | 'unsorted'
  | 'duplicate'
  | 'bad-path'
  | 'trailing-bytes'

/**
 * A .drv file is not a canonical ATerm derivation. `offset` is the byte offset of the
 * problem in the input. Messages read `aterm: what failed: why (at byte N)`.
 */
export class AtermError extends Error {
  readonly code: AtermErrorCode
  readonly offset: number
  constructor(code: AtermErrorCode, message: string, offset: number) {
    super(`aterm: ${message} (at byte ${offset})`)
    this.name = 'AtermError'
    this.code = code
    this.offset = offset
  }
}

/** Why a derivation's hashes or paths could not be computed. */
export type DerivationErrorCode =
  | 'no-outputs'
  | 'mixed-outputs'
  | 'bad-fixed-output'
  | 'bad-output'
  | 'bad-hash'
  | 'no-name'
  | 'missing-input'
  | 'missing-output'
  | 'bad-input'

/**
 * A derivation is well-formed text but its meaning is wrong or incomplete (unknown hash
 * algorithm, an input derivation that cannot be found, ...). Messages read
 * `derivation: what failed: why ('where')`.
 */
export class DerivationError extends Error {
  readonly code: DerivationErrorCode
  constructor(code: DerivationErrorCode, message: string, options?: { cause?: unknown }) {
    super(`derivation: ${message}`, options)
    this.name = 'DerivationError'
    this.code = code
  }
}
