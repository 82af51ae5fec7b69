/** What went wrong while decoding, parsing or computing a hash. */
export type HashErrorCode =
  | 'bad-nix32-char'
  | 'nix32-high-bits'
  | 'bad-base16'
  | 'bad-base64'
  | 'bad-length'
  | 'unknown-algorithm'
  | 'missing-algorithm'
  | 'algorithm-mismatch'
  | 'bad-content-address'
  | 'io'

/** A hash could not be decoded, parsed or computed. Messages read `hash: what failed: why ("where")`. */
export class HashError extends Error {
  readonly code: HashErrorCode
  constructor(code: HashErrorCode, message: string, options?: { cause?: unknown }) {
    super(`hash: ${message}`, options)
    this.name = 'HashError'
    this.code = code
  }
}

/** What is wrong with a store path, a store path name or a store directory. */
export type StorePathErrorCode =
  | 'not-in-store'
  | 'bad-store-dir'
  | 'too-short'
  | 'bad-hash-part'
  | 'missing-dash'
  | 'empty-name'
  | 'name-too-long'
  | 'bad-name-char'
  | 'bad-reference'
  | 'bad-hash'

/** A store path, name or directory is invalid. Messages read `store path: what failed: why ("where")`. */
export class StorePathError extends Error {
  readonly code: StorePathErrorCode
  constructor(code: StorePathErrorCode, message: string) {
    super(`store path: ${message}`)
    this.name = 'StorePathError'
    this.code = code
  }
}
