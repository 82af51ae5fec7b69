/**
 * Sources and positions. Nix texts are byte strings: a source's `text` holds one char per
 * byte (latin1), so columns count bytes as Nix's do.
 *
 * Positions are compact: syntax nodes, compiled code and attribute sets hold a `PosIdx`, one
 * small integer (every source gets its own range of a process-wide offset space, like a
 * compiler's source manager), and the line and column are computed from a per-source line
 * table only when a message, `__curPos` or `unsafeGetAttrPos` needs them (`resolvePos`).
 */

/** Where a source came from; decides how positions print (`«string»`, `«stdin»`, or the path). */
export type Origin = 'file' | 'string' | 'stdin'

/**
 * A position as a small integer: the source's `base` plus the byte offset in its text.
 * Never 0, so `undefined`/falsy checks cannot mistake it for "no position".
 */
export type PosIdx = number

/** The registered sources, by increasing `base`. */
const sources: Source[] = []
let nextBase = 1

/** A parsed text: the file path (for files), its byte-string text, and its base directory. */
export class Source {
  readonly origin: Origin
  /** Absolute path for files, '' otherwise. */
  readonly path: string
  /** The text, one char per byte. */
  readonly text: string
  /** The directory relative paths are resolved against. */
  readonly baseDir: string
  /** The `PosIdx` of the text's first byte (offset `o` is at `base + o`). */
  readonly base: number
  /** Offsets where lines start, made on first use. */
  private lineStarts: number[] | null = null
  constructor(origin: Origin, path: string, text: string, baseDir: string) {
    this.origin = origin
    this.path = path
    this.text = text
    this.baseDir = baseDir
    this.base = nextBase
    // one more for the end-of-file position
    nextBase += text.length + 1
    sources.push(this)
  }

  /** The position of a byte offset. */
  at(off: number): Pos {
    let starts = this.lineStarts
    if (starts === null) {
      // line breaks as the lexer counts them: LF, CR LF, or a lone CR
      starts = [0]
      const t = this.text
      for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i)
        if (c === 10) starts.push(i + 1)
        else if (c === 13) {
          if (t.charCodeAt(i + 1) === 10) i++
          starts.push(i + 1)
        }
      }
      this.lineStarts = starts
    }
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= off) lo = mid
      else hi = mid - 1
    }
    return new Pos(this, lo + 1, off - starts[lo]! + 1)
  }
}

/** The line and column of a compact position (undefined stays undefined). */
export function resolvePos(p: PosIdx | undefined): Pos | undefined {
  if (p === undefined || p <= 0 || p >= nextBase) return undefined
  let lo = 0
  let hi = sources.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (sources[mid]!.base <= p) lo = mid
    else hi = mid - 1
  }
  const src = sources[lo]!
  return src.at(p - src.base)
}

/** `file:line:col` of a compact position, as Nix prints a position inside messages. */
export function showPos(p: PosIdx | undefined): string {
  const r = resolvePos(p)
  return r === undefined ? 'undefined position' : r.toString()
}

/** A (Unicode) string as the byte string of its UTF-8 encoding: one char per byte, as texts are here. */
export function byteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1')
}

const STRING_ORIGIN = byteString('«string»')
const STDIN_ORIGIN = byteString('«stdin»')

/** A resolved position in a source: 1-based line and column (bytes). */
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

/** Nix's absPath + canonPath for path literals: resolve against `base`, drop `.`/`..`/`//`. */
export function canonPath(path: string, base = '/'): string {
  const full = path.startsWith('/') ? path : `${base}/${path}`
  const out: string[] = []
  for (const part of full.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return `/${out.join('/')}`
}
