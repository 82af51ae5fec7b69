/** What went wrong while writing, reading, restoring or scanning a NAR. */
export type NarErrorCode =
  | 'bad-magic'
  | 'unknown-token'
  | 'unexpected-token'
  | 'missing-field'
  | 'bad-padding'
  | 'too-long'
  | 'truncated'
  | 'trailing-data'
  | 'unsorted-entries'
  | 'duplicate-entry'
  | 'bad-name'
  | 'bad-target'
  | 'unsupported-type'
  | 'file-changed'
  | 'destination-exists'
  | 'not-found'
  | 'not-regular'
  | 'io'

/**
 * A NAR could not be written, read, restored or scanned. Messages read
 * `nar: what failed: why (where)`, naming the path inside the archive and the byte offset.
 */
export class NarError extends Error {
  readonly code: NarErrorCode
  /** The path inside the archive (`/` for the root), when known. */
  readonly path: string | undefined
  /** The byte offset in the archive, when known. */
  readonly offset: number | undefined
  constructor(
    code: NarErrorCode, message: string,
    options: { path?: string; offset?: number; cause?: unknown } = {},
  ) {
    const where = [
      options.path !== undefined ? `at '${options.path}'` : undefined,
      options.offset !== undefined ? `byte ${options.offset}` : undefined,
    ].filter((x) => x !== undefined).join(', ')
    super(`nar: ${message}${where === '' ? '' : ` (${where})`}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'NarError'
    this.code = code
    this.path = options.path
    this.offset = options.offset
  }
}
