/**
 * Sources and positions. Nix texts are byte strings: a source's `text` holds one char per
 * byte (latin1), so columns count bytes as Nix's do.
 */

/** Where a source came from; decides how positions print (`«string»`, `«stdin»`, or the path). */
export type Origin = 'file' | 'string' | 'stdin'

/** A parsed text: the file path (for files), its byte-string text, and its base directory. */
export class Source {
  readonly origin: Origin
  /** Absolute path for files, '' otherwise. */
  readonly path: string
  /** The text, one char per byte. */
  readonly text: string
  /** The directory relative paths are resolved against. */
  readonly baseDir: string
  constructor(origin: Origin, path: string, text: string, baseDir: string) {
    this.origin = origin
    this.path = path
    this.text = text
    this.baseDir = baseDir
  }
}

const STRING_ORIGIN = Buffer.from('«string»', 'utf8').toString('latin1')
const STDIN_ORIGIN = Buffer.from('«stdin»', 'utf8').toString('latin1')

/** A position in a source: 1-based line and column (bytes). */
export class Pos {
  readonly src: Source
  readonly line: number
  readonly col: number
  constructor(src: Source, line: number, col: number) {
    this.src = src
    this.line = line
    this.col = col
  }

  /** The file part as Nix's `Pos` prints it: the path, or `(string)` for strings and stdin. */
  get file(): string {
    return this.src.origin === 'file' ? this.src.path : '(string)'
  }

  /** `file:line:col`, as Nix prints a position inside messages. */
  toString(): string {
    return `${this.file}:${this.line}:${this.col}`
  }

  /** `«string»:1:2` / `/x.nix:1:2`, as the `at …:` line of an error shows it. */
  where(): string {
    const f = this.src.origin === 'file' ? this.src.path : this.src.origin === 'string' ? STRING_ORIGIN : STDIN_ORIGIN
    return `${f}:${this.line}:${this.col}`
  }
}
