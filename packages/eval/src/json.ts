/**
 * `builtins.fromJSON`: a JSON parser over byte strings, keeping integers and floats apart.
 *
 * Nix 2.8 parses with nlohmann/json 3.11 (SAX, strict, no comments). This parser follows the same
 * lexer and state machine, so it accepts the same texts, builds the same values and fails with the
 * same messages, including nlohmann's line/column counting and its "last read" token text.
 */
import { NixError } from './errors.js'
import type { PosIdx } from './source.js'
import { NixAttrs, NixFloat, normInt, type Lazy, type Value } from './values.js'

const EOF = -1

// token types, as nlohmann names them
const T_UNINITIALIZED = 0
const T_TRUE = 1
const T_FALSE = 2
const T_NULL = 3
const T_STRING = 4
const T_UNSIGNED = 5
const T_INTEGER = 6
const T_FLOAT = 7
const T_BEGIN_ARRAY = 8
const T_BEGIN_OBJECT = 9
const T_END_ARRAY = 10
const T_END_OBJECT = 11
const T_NAME_SEPARATOR = 12
const T_VALUE_SEPARATOR = 13
const T_PARSE_ERROR = 14
const T_END_OF_INPUT = 15
const T_LITERAL_OR_VALUE = 16

const TOKEN_NAMES = [
  '<uninitialized>', 'true literal', 'false literal', 'null literal', 'string literal',
  'number literal', 'number literal', 'number literal', "'['", "'{'", "']'", "'}'", "':'", "','",
  '<parse error>', 'end of input', "'[', '{', or a literal",
]

const CONTROL_NAMES = [
  'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'BEL', 'BS', 'HT', 'LF', 'VT', 'FF', 'CR', 'SO', 'SI',
  'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US',
]
const SHORT_ESCAPES: Record<number, string> = { 8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r' }

const hex4 = (c: number): string => c.toString(16).toUpperCase().padStart(4, '0')

function controlMessage(c: number): string {
  const short = SHORT_ESCAPES[c]
  return `invalid string: control character U+${hex4(c)} (${CONTROL_NAMES[c]!}) must be escaped to \\u${hex4(c)}` +
    (short === undefined ? '' : ` or \\${short}`)
}

function utf8(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp)
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f))
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
}

/** Is byte `c` a decimal digit? */
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

/**
 * The tokenizer. Like nlohmann's, it reads one byte at a time with a one-byte unget, counts
 * lines and columns (a read of the end of input counts as a column too), and remembers the
 * "token string": the bytes read since the last string or number token began, shown as
 * "last read" in error messages. That text is always a slice of the input, so it is kept as
 * two indices.
 */
class Lexer {
  private readonly s: string
  private readonly n: number
  /** Next input index to read. */
  private rd = 0
  private cur = EOF
  private ungot = false
  private total = 0
  col = 0
  lines = 0
  /** The token string is s[tokStart, tokEnd). */
  private tokStart = 0
  private tokEnd = 0
  error = ''
  /** The decoded contents of the last string token. */
  str = ''
  /** The text of the last number token. */
  num = ''

  constructor(s: string) {
    this.s = s
    this.n = s.length
  }

  private get(): number {
    this.total++
    this.col++
    if (this.ungot) this.ungot = false
    else this.cur = this.rd < this.n ? this.s.charCodeAt(this.rd++) : EOF
    if (this.cur !== EOF) this.tokEnd++
    if (this.cur === 10) {
      this.lines++
      this.col = 0
    }
    return this.cur
  }

  private unget(): void {
    this.ungot = true
    this.total--
    if (this.col === 0) {
      if (this.lines > 0) this.lines--
    } else {
      this.col--
    }
    if (this.cur !== EOF) this.tokEnd--
  }

  /** Start a new token string with the current byte. */
  private reset(): void {
    this.tokStart = this.tokEnd - 1
  }

  /** The token string as nlohmann prints it: bytes up to 0x1F as `<U+00XX>`, others as they are. */
  tokenString(): string {
    let out = ''
    for (let k = this.tokStart; k < this.tokEnd; k++) {
      const c = this.s.charCodeAt(k)
      out += c <= 0x1f ? `<U+${hex4(c)}>` : this.s[k]!
    }
    return out
  }

  private skipBom(): boolean {
    if (this.get() === 0xef) return this.get() === 0xbb && this.get() === 0xbf
    this.unget()
    return true
  }

  scan(): number {
    if (this.total === 0 && !this.skipBom()) {
      this.error = 'invalid BOM; must be 0xEF 0xBB 0xBF if given'
      return T_PARSE_ERROR
    }
    let c: number
    do c = this.get()
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)
    switch (c) {
      case 0x5b: return T_BEGIN_ARRAY
      case 0x5d: return T_END_ARRAY
      case 0x7b: return T_BEGIN_OBJECT
      case 0x7d: return T_END_OBJECT
      case 0x3a: return T_NAME_SEPARATOR
      case 0x2c: return T_VALUE_SEPARATOR
      case 0x74: return this.literal('true', T_TRUE)
      case 0x66: return this.literal('false', T_FALSE)
      case 0x6e: return this.literal('null', T_NULL)
      case 0x22: return this.scanString()
      case 0x00:
      case EOF:
        return T_END_OF_INPUT
      default:
        if (c === 0x2d || isDigit(c)) return this.scanNumber()
        this.error = 'invalid literal'
        return T_PARSE_ERROR
    }
  }

  private literal(text: string, tok: number): number {
    for (let k = 1; k < text.length; k++) {
      if (this.get() !== text.charCodeAt(k)) {
        this.error = 'invalid literal'
        return T_PARSE_ERROR
      }
    }
    return tok
  }

  /** Four hex digits after `\u`, or -1. */
  private codepoint(): number {
    let cp = 0
    for (let k = 0; k < 4; k++) {
      const c = this.get()
      let d: number
      if (c >= 0x30 && c <= 0x39) d = c - 0x30
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57
      else return -1
      cp = (cp << 4) | d
    }
    return cp
  }

  /** Check the continuation bytes of a UTF-8 sequence against (lo, hi) pairs. */
  private continuation(ranges: readonly number[]): boolean {
    for (let k = 0; k < ranges.length; k += 2) {
      const c = this.get()
      if (c < ranges[k]! || c > ranges[k + 1]!) {
        this.error = 'invalid string: ill-formed UTF-8 byte'
        return false
      }
    }
    return true
  }

  private scanString(): number {
    this.reset()
    let out = ''
    const s = this.s
    for (;;) {
      // fast path: a run of plain printable ASCII (no newline, so only the column moves)
      if (!this.ungot) {
        let k = this.rd
        while (k < this.n) {
          const b = s.charCodeAt(k)
          if (b < 0x20 || b > 0x7f || b === 0x22 || b === 0x5c) break
          k++
        }
        if (k > this.rd) {
          const len = k - this.rd
          out += s.slice(this.rd, k)
          this.rd = k
          this.total += len
          this.col += len
          this.tokEnd += len
          this.cur = s.charCodeAt(k - 1)
        }
      }
      const c = this.get()
      if (c === 0x22) {
        this.str = out
        return T_STRING
      }
      if (c === EOF) {
        this.error = 'invalid string: missing closing quote'
        return T_PARSE_ERROR
      }
      if (c === 0x5c) {
        const e = this.get()
        switch (e) {
          case 0x22: out += '"'; break
          case 0x5c: out += '\\'; break
          case 0x2f: out += '/'; break
          case 0x62: out += '\b'; break
          case 0x66: out += '\f'; break
          case 0x6e: out += '\n'; break
          case 0x72: out += '\r'; break
          case 0x74: out += '\t'; break
          case 0x75: {
            const cp1 = this.codepoint()
            let cp = cp1
            if (cp1 === -1) {
              this.error = "invalid string: '\\u' must be followed by 4 hex digits"
              return T_PARSE_ERROR
            }
            if (cp1 >= 0xd800 && cp1 <= 0xdbff) {
              if (this.get() === 0x5c && this.get() === 0x75) {
                const cp2 = this.codepoint()
                if (cp2 === -1) {
                  this.error = "invalid string: '\\u' must be followed by 4 hex digits"
                  return T_PARSE_ERROR
                }
                if (cp2 < 0xdc00 || cp2 > 0xdfff) {
                  this.error = 'invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF'
                  return T_PARSE_ERROR
                }
                cp = 0x10000 + ((cp1 - 0xd800) << 10) + (cp2 - 0xdc00)
              } else {
                this.error = 'invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF'
                return T_PARSE_ERROR
              }
            } else if (cp1 >= 0xdc00 && cp1 <= 0xdfff) {
              this.error = 'invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF'
              return T_PARSE_ERROR
            }
            out += utf8(cp)
            break
          }
          default:
            this.error = 'invalid string: forbidden character after backslash'
            return T_PARSE_ERROR
        }
        continue
      }
      if (c < 0x20) {
        this.error = controlMessage(c)
        return T_PARSE_ERROR
      }
      if (c < 0x80) {
        out += String.fromCharCode(c)
        continue
      }
      // a multi-byte UTF-8 sequence: which continuation bytes may follow this lead byte
      let ranges: readonly number[] | undefined
      if (c >= 0xc2 && c <= 0xdf) ranges = R2
      else if (c === 0xe0) ranges = R3_E0
      else if (c === 0xed) ranges = R3_ED
      else if (c >= 0xe1 && c <= 0xef) ranges = R3
      else if (c === 0xf0) ranges = R4_F0
      else if (c >= 0xf1 && c <= 0xf3) ranges = R4
      else if (c === 0xf4) ranges = R4_F4
      if (ranges === undefined) {
        this.error = 'invalid string: ill-formed UTF-8 byte'
        return T_PARSE_ERROR
      }
      const from = this.tokEnd - 1
      if (!this.continuation(ranges)) return T_PARSE_ERROR
      out += s.slice(from, this.tokEnd)
    }
  }

  private scanNumber(): number {
    this.reset()
    let type = T_UNSIGNED
    let c = this.cur
    if (c === 0x2d) {
      type = T_INTEGER
      c = this.get()
      if (!isDigit(c)) {
        this.error = "invalid number; expected digit after '-'"
        return T_PARSE_ERROR
      }
    }
    // the integer part: a single zero, or digits
    if (c === 0x30) {
      c = this.get()
    } else {
      do c = this.get()
      while (isDigit(c))
    }
    if (c === 0x2e) {
      type = T_FLOAT
      if (!isDigit(this.get())) {
        this.error = "invalid number; expected digit after '.'"
        return T_PARSE_ERROR
      }
      do c = this.get()
      while (isDigit(c))
    }
    if (c === 0x65 || c === 0x45) {
      type = T_FLOAT
      c = this.get()
      if (c === 0x2b || c === 0x2d) {
        if (!isDigit(this.get())) {
          this.error = 'invalid number; expected digit after exponent sign'
          return T_PARSE_ERROR
        }
      } else if (!isDigit(c)) {
        this.error = "invalid number; expected '+', '-', or digit after exponent"
        return T_PARSE_ERROR
      }
      do c = this.get()
      while (isDigit(c))
    }
    this.unget()
    this.num = this.s.slice(this.tokStart, this.tokEnd)
    return type
  }
}

const R2 = [0x80, 0xbf]
const R3_E0 = [0xa0, 0xbf, 0x80, 0xbf]
const R3_ED = [0x80, 0x9f, 0x80, 0xbf]
const R3 = [0x80, 0xbf, 0x80, 0xbf]
const R4_F0 = [0x90, 0xbf, 0x80, 0xbf, 0x80, 0xbf]
const R4 = [0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf]
const R4_F4 = [0x80, 0x8f, 0x80, 0xbf, 0x80, 0xbf]

const U64_MAX = 2n ** 64n - 1n
const I64_MIN = -(2n ** 63n)

/**
 * The value of a number token. Nix 2.8 keeps integers that fit 64 bits (unsigned ones above
 * 2^63-1 wrap around), and reads everything else as a float.
 */
function numberValue(text: string, type: number): Value | undefined {
  if (type !== T_FLOAT) {
    if (text.length <= 15) {
      const v = Number(text)
      return v === 0 ? 0 : v
    }
    const b = BigInt(text)
    if (type === T_UNSIGNED ? b <= U64_MAX : b >= I64_MIN) return normInt(b)
  }
  const f = Number(text)
  return Number.isFinite(f) ? new NixFloat(f) : undefined
}

/** An open array or object while parsing. */
interface Frame {
  items: Lazy[] | undefined
  attrs: Map<string, Lazy> | undefined
  key: string
}

/**
 * Parse JSON text (a byte string). Objects become sets (a repeated key keeps its last value),
 * numbers ints or floats. Errors are nlohmann's messages with no position of their own, and a
 * "while decoding a JSON string" trace frame at `pos`, as in Nix 2.8.
 */
export function fromJSON(text: string, pos: PosIdx | undefined): Value {
  const lx = new Lexer(text)
  let tok = lx.scan()
  const next = (): number => (tok = lx.scan())

  const fail = (expected: number, context: string): never => {
    let msg = `syntax error while parsing ${context} - `
    if (tok === T_PARSE_ERROR) msg += `${lx.error}; last read: '${lx.tokenString()}'`
    else msg += `unexpected ${TOKEN_NAMES[tok]!}`
    if (expected !== T_UNINITIALIZED) msg += `; expected ${TOKEN_NAMES[expected]!}`
    throw new NixError('eval', `[json.exception.parse_error.101] parse error at line ${lx.lines + 1}, column ${lx.col}: ${msg}`)
      .addTrace('while decoding a JSON string', pos)
  }

  let root: Value = null
  const frames: Frame[] = []
  const emit = (v: Value): void => {
    const f = frames[frames.length - 1]
    if (f === undefined) root = v
    else if (f.items !== undefined) f.items.push(v)
    else f.attrs!.set(f.key, v)
  }
  const close = (): void => {
    const f = frames.pop()!
    emit(f.items ?? NixAttrs.fromMap(f.attrs!))
  }
  /** The object key just scanned, then the ':' after it. */
  const key = (): void => {
    if (tok !== T_STRING) fail(T_STRING, 'object key')
    frames[frames.length - 1]!.key = lx.str
    if (next() !== T_NAME_SEPARATOR) fail(T_NAME_SEPARATOR, 'object separator')
  }

  // open containers: true for an array, false for an object
  const states: boolean[] = []
  let skip = false
  for (;;) {
    if (!skip) {
      switch (tok) {
        case T_BEGIN_OBJECT:
          frames.push({ items: undefined, attrs: new Map(), key: '' })
          if (next() === T_END_OBJECT) {
            close()
            break
          }
          key()
          states.push(false)
          next()
          continue
        case T_BEGIN_ARRAY:
          frames.push({ items: [], attrs: undefined, key: '' })
          if (next() === T_END_ARRAY) {
            close()
            break
          }
          states.push(true)
          continue
        case T_UNSIGNED:
        case T_INTEGER:
        case T_FLOAT: {
          const v = numberValue(lx.num, tok)
          if (v === undefined) {
            throw new NixError('eval', `[json.exception.out_of_range.406] number overflow parsing '${lx.num}'`)
              .addTrace('while decoding a JSON string', pos)
          }
          emit(v)
          break
        }
        case T_TRUE: emit(true); break
        case T_FALSE: emit(false); break
        case T_NULL: emit(null); break
        case T_STRING: {
          // Nix 2.8 strings end at a NUL byte
          const z = lx.str.indexOf('\0')
          emit(z < 0 ? lx.str : lx.str.slice(0, z))
          break
        }
        case T_PARSE_ERROR:
          fail(T_UNINITIALIZED, 'value')
          break
        default:
          fail(T_LITERAL_OR_VALUE, 'value')
      }
    } else {
      skip = false
    }
    if (states.length === 0) break
    if (states[states.length - 1]!) {
      if (next() === T_VALUE_SEPARATOR) {
        next()
        continue
      }
      if (tok !== T_END_ARRAY) fail(T_END_ARRAY, 'array')
    } else {
      if (next() === T_VALUE_SEPARATOR) {
        next()
        key()
        next()
        continue
      }
      if (tok !== T_END_OBJECT) fail(T_END_OBJECT, 'object')
    }
    close()
    states.pop()
    skip = true
  }
  if (next() !== T_END_OF_INPUT) fail(T_END_OF_INPUT, 'value')
  return root
}
