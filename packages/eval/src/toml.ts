/**
 * `builtins.fromTOML`: a TOML parser over byte strings that behaves like toml11 (the parser Nix
 * 2.8 bundles, src/toml11): same grammar, same choices where the grammar is ambiguous, and the
 * same error messages with their source snippets. Tables become sets, arrays lists; date-times
 * parse but are then rejected, as Nix 2.8 has no date type.
 */
import { NixError } from './errors.js'
import type { PosIdx } from './source.js'
import { NEGATIVE_NAN, NixAttrs, NixFloat, normInt, type Lazy, type Value } from './values.js'

// ---------------------------------------------------------------------------------------------
// Sources, positions and regions (what toml11 calls location and region)

interface Src { readonly name: string; readonly s: string }
/** A cursor in a source; parsers move `i`. */
interface Cur { readonly src: Src; i: number }
/** A point (one character) or a range of a source, for error messages. */
interface Reg { readonly src: Src; readonly first: number; readonly last: number; readonly point?: boolean }

const FILE_NAME = 'fromTOML'
const cur = (name: string, s: string): Cur => ({ src: { name, s }, i: 0 })
const at = (c: Cur): Reg => ({ src: c.src, first: c.i, last: c.i + 1, point: true })
const span = (c: Cur, first: number, last: number): Reg => ({ src: c.src, first, last })
const regStr = (r: Reg): string => r.src.s.slice(r.first, r.last)

function countNl(s: string, from: number, to: number): number {
  let n = 0
  for (let j = s.indexOf('\n', from); j >= 0 && j < to; j = s.indexOf('\n', j + 1)) n++
  return n
}
const lineBegin = (s: string, i: number): number => (i === 0 ? 0 : s.lastIndexOf('\n', i - 1) + 1)
const lineEnd = (s: string, i: number): number => {
  const e = s.indexOf('\n', i)
  return e < 0 ? s.length : e
}

/** Line, column, underline width and line text of a point or range. */
function describe(r: Reg): { line: number; col: number; size: number; text: string } {
  const s = r.src.s
  const lb = lineBegin(s, r.first)
  const line = countNl(s, 0, r.first) + 1
  if (r.point === true) return { line, col: r.first - lb + 1, size: 1, text: s.slice(lb, lineEnd(s, r.first)) }
  const nl = s.indexOf('\n', r.first)
  const text = nl >= 0 && nl < r.last ? s.slice(lb, nl) : s.slice(lb, lineEnd(s, r.last))
  return { line, col: r.first - lb + 1, size: r.last - r.first, text }
}

/** toml11's format_underline: the message, then each location with a caret or tildes. */
function underline(msg: string, locs: ReadonlyArray<readonly [Reg, string]>, hints: readonly string[] = []): string {
  const ds = locs.map(([r, c]) => [describe(r), c, r.src.name] as const)
  const width = Math.max(1, ...ds.map(([d]) => (d.line === 0 ? 0 : String(d.line).length)))
  const pad = ' '.repeat(width + 1)
  let out = msg.length > 7 && msg.startsWith('[error]') ? `${msg}\n` : `[error] ${msg}\n`
  const one = (d: (typeof ds)[number][0], comment: string): void => {
    out += ` ${String(d.line).padStart(width)} | ${d.text}\n${pad} | ${' '.repeat(d.col - 1)}`
    out += d.size === 1 ? '^---' : '~'.repeat(Math.min(d.size, d.text.length))
    out += ` ${comment}`
  }
  out += ` --> ${ds[0]![2]}\n${pad} |\n`
  one(ds[0]![0], ds[0]![1])
  for (let k = 1; k < ds.length; k++) {
    out += '\n'
    if (ds[k - 1]![2] === ds[k]![2]) out += ' ...\n'
    else out += ` --> ${ds[k]![2]}\n${pad} |\n`
    one(ds[k]![0], ds[k]![1])
  }
  if (hints.length > 0) {
    out += `\n${pad} |`
    for (const h of hints) out += `\nHint: ${h}`
  }
  return out
}

/** A recoverable failure (toml11's `err`): the message is only built if it is shown. */
class Err {
  readonly msg: () => string
  constructor(msg: () => string) {
    this.msg = msg
  }
}
const err = (msg: string, locs: ReadonlyArray<readonly [Reg, string]>, hints?: readonly string[]): Err =>
  new Err(() => underline(msg, locs, hints))
/** A fatal failure (toml11's `syntax_error` / `internal_error`). */
class TomlError extends Error {}
const fatal = (msg: string, locs: ReadonlyArray<readonly [Reg, string]>, hints?: readonly string[]): never => {
  throw new TomlError(underline(msg, locs, hints))
}

// ---------------------------------------------------------------------------------------------
// Lexers: `(s, i)` → end of the match, or -1. They never move a cursor.

type Lex = (s: string, i: number) => number
const code = (s: string, i: number): number => (i < s.length ? s.charCodeAt(i) : -1)
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
const isOct = (c: number): boolean => c >= 0x30 && c <= 0x37
const isBin = (c: number): boolean => c === 0x30 || c === 0x31
const isCtl = (c: number): boolean => (c >= 0 && c <= 8) || (c >= 0x0a && c <= 0x1f) || c === 0x7f

const lexWs: Lex = (s, i) => {
  let j = i
  while (s[j] === ' ' || s[j] === '\t') j++
  return j > i ? j : -1
}
const skipWs = (s: string, i: number): number => {
  const j = lexWs(s, i)
  return j < 0 ? i : j
}
const lexNewline: Lex = (s, i) => (s[i] === '\n' ? i + 1 : s[i] === '\r' && s[i + 1] === '\n' ? i + 2 : -1)
const inR = (s: string, i: number, lo: number, hi: number): boolean => {
  const c = code(s, i)
  return c >= lo && c <= hi
}
/** A UTF-8 sequence of 2 to 4 bytes (RFC 3629 ranges). */
const lexUtf8Multi: Lex = (s, i) => {
  const c = code(s, i)
  if (c >= 0xc2 && c <= 0xdf) return inR(s, i + 1, 0x80, 0xbf) ? i + 2 : -1
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80
    const hi = c === 0xed ? 0x9f : 0xbf
    return inR(s, i + 1, lo, hi) && inR(s, i + 2, 0x80, 0xbf) ? i + 3 : -1
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80
    const hi = c === 0xf4 ? 0x8f : 0xbf
    return inR(s, i + 1, lo, hi) && inR(s, i + 2, 0x80, 0xbf) && inR(s, i + 3, 0x80, 0xbf) ? i + 4 : -1
  }
  return -1
}
const lexComment: Lex = (s, i) => {
  if (s[i] !== '#') return -1
  let j = i + 1
  for (;;) {
    const c = code(s, j)
    if (c === 9 || (c >= 0x20 && c <= 0x7e)) { j++; continue }
    const m = lexUtf8Multi(s, j)
    if (m < 0) return j
    j = m
  }
}
/** ws? comment? newline */
const lexLineEnd: Lex = (s, i) => {
  let j = skipWs(s, i)
  const c = lexComment(s, j)
  if (c >= 0) j = c
  return lexNewline(s, j)
}
/** (ws | newline | comment)* */
const skipWsCommentNl = (s: string, i: number): number => {
  let j = i
  for (;;) {
    if (s[j] === ' ' || s[j] === '\t') { j++; continue }
    const n = lexNewline(s, j)
    if (n >= 0) { j = n; continue }
    const c = lexComment(s, j)
    if (c >= 0) { j = c; continue }
    return j
  }
}

/** first-digit (digit | _ digit)* */
function digitsFrom(s: string, j: number, ok: (c: number) => boolean): number {
  for (;;) {
    if (ok(code(s, j))) j++
    else if (s[j] === '_' && ok(code(s, j + 1))) j += 2
    else return j
  }
}
const lexUnsignedDec: Lex = (s, i) => {
  const c = code(s, i)
  if (c >= 0x31 && c <= 0x39) {
    const j = digitsFrom(s, i + 1, isDigit)
    if (j > i + 1) return j
  }
  return isDigit(c) ? i + 1 : -1
}
const lexDecInt: Lex = (s, i) => lexUnsignedDec(s, s[i] === '+' || s[i] === '-' ? i + 1 : i)
const lexPrefixed = (p: string, ok: (c: number) => boolean): Lex => (s, i) =>
  s[i] === '0' && s[i + 1] === p && ok(code(s, i + 2)) ? digitsFrom(s, i + 3, ok) : -1
const lexBinInt = lexPrefixed('b', isBin)
const lexOctInt = lexPrefixed('o', isOct)
const lexHexInt = lexPrefixed('x', isHex)
const either = (...ls: Lex[]): Lex => (s, i) => {
  for (const l of ls) {
    const j = l(s, i)
    if (j >= 0) return j
  }
  return -1
}
const lexInteger = either(lexBinInt, lexOctInt, lexHexInt, lexDecInt)
const lexZeroPrefixable: Lex = (s, i) => (isDigit(code(s, i)) ? digitsFrom(s, i + 1, isDigit) : -1)
const lexSpecialFloat: Lex = (s, i) => {
  const j = s[i] === '+' || s[i] === '-' ? i + 1 : i
  return s.startsWith('inf', j) || s.startsWith('nan', j) ? j + 3 : -1
}
const lexExponent: Lex = (s, i) => {
  if (s[i] !== 'e' && s[i] !== 'E') return -1
  return lexZeroPrefixable(s, s[i + 1] === '+' || s[i + 1] === '-' ? i + 2 : i + 1)
}
const lexFrac: Lex = (s, i) => (s[i] === '.' ? lexZeroPrefixable(s, i + 1) : -1)
const lexFloat: Lex = (s, i) => {
  const sp = lexSpecialFloat(s, i)
  if (sp >= 0) return sp
  const d = lexDecInt(s, i)
  if (d < 0) return -1
  const e = lexExponent(s, d)
  if (e >= 0) return e
  const f = lexFrac(s, d)
  if (f < 0) return -1
  const e2 = lexExponent(s, f)
  return e2 >= 0 ? e2 : f
}
const lexBoolean: Lex = (s, i) => (s.startsWith('true', i) ? i + 4 : s.startsWith('false', i) ? i + 5 : -1)

const nDigits = (s: string, i: number, n: number): number => {
  for (let k = 0; k < n; k++) if (!isDigit(code(s, i + k))) return -1
  return i + n
}
const lexFullDate: Lex = (s, i) => {
  let j = nDigits(s, i, 4)
  if (j < 0 || s[j] !== '-') return -1
  j = nDigits(s, j + 1, 2)
  if (j < 0 || s[j] !== '-') return -1
  return nDigits(s, j + 1, 2)
}
const lexSecfrac: Lex = (s, i) => {
  if (s[i] !== '.' || !isDigit(code(s, i + 1))) return -1
  let j = i + 1
  while (isDigit(code(s, j))) j++
  return j
}
const lexPartialTime: Lex = (s, i) => {
  let j = nDigits(s, i, 2)
  if (j < 0 || s[j] !== ':') return -1
  j = nDigits(s, j + 1, 2)
  if (j < 0 || s[j] !== ':') return -1
  j = nDigits(s, j + 1, 2)
  if (j < 0) return -1
  const f = lexSecfrac(s, j)
  return f >= 0 ? f : j
}
const lexNumOffset: Lex = (s, i) => {
  if (s[i] !== '+' && s[i] !== '-') return -1
  const j = nDigits(s, i + 1, 2)
  if (j < 0 || s[j] !== ':') return -1
  return nDigits(s, j + 1, 2)
}
const lexLocalDateTime: Lex = (s, i) => {
  const d = lexFullDate(s, i)
  if (d < 0 || (s[d] !== 'T' && s[d] !== 't' && s[d] !== ' ')) return -1
  return lexPartialTime(s, d + 1)
}
const lexOffsetDateTime: Lex = (s, i) => {
  const t = lexLocalDateTime(s, i)
  if (t < 0) return -1
  return s[t] === 'Z' || s[t] === 'z' ? t + 1 : lexNumOffset(s, t)
}

/** After a backslash: one escape (not the backslash itself). */
const lexEscapeChar: Lex = (s, i) => {
  const c = s[i]
  if (c === '"' || c === '\\' || c === 'b' || c === 'f' || c === 'n' || c === 'r' || c === 't') return i + 1
  const n = c === 'u' ? 4 : c === 'U' ? 8 : 0
  if (n === 0) return -1
  for (let k = 1; k <= n; k++) if (!isHex(code(s, i + k))) return -1
  return i + 1 + n
}
const lexEscaped: Lex = (s, i) => (s[i] === '\\' ? lexEscapeChar(s, i + 1) : -1)
const lexBasicString: Lex = (s, i) => {
  if (s[i] !== '"') return -1
  let j = i + 1
  for (;;) {
    const c = code(s, j)
    if (c >= 0 && !isCtl(c) && c !== 0x22 && c !== 0x5c) { j++; continue }
    const e = lexEscaped(s, j)
    if (e < 0) break
    j = e
  }
  return s[j] === '"' ? j + 1 : -1
}
/** Where the body of the last multi-line string lexed ended (its closing quotes follow). */
let mlBodyEnd = 0
const lexEscapedNewline: Lex = (s, i) => {
  if (s[i] !== '\\') return -1
  let j = lexNewline(s, skipWs(s, i + 1))
  if (j < 0) return -1
  for (;;) {
    const k = lexWs(s, j)
    if (k >= 0) { j = k; continue }
    const n = lexNewline(s, j)
    if (n >= 0) { j = n; continue }
    return j
  }
}
/** Closing delimiter of a multi-line string: 3 to 5 quotes. */
const lexClose = (s: string, i: number, q: string): number => {
  if (!s.startsWith(q.repeat(3), i)) return -1
  let j = i + 3
  if (s[j] === q) j++
  if (s[j] === q) j++
  return j
}
const lexMlBasicString: Lex = (s, i) => {
  if (!s.startsWith('"""', i)) return -1
  let j = i + 3
  for (;;) {
    const c = code(s, j)
    if (c >= 0 && !isCtl(c) && c !== 0x5c && !s.startsWith('"""', j)) { j++; continue }
    const e = lexEscaped(s, j)
    if (e >= 0) { j = e; continue }
    const n = lexNewline(s, j)
    if (n >= 0) { j = n; continue }
    const en = lexEscapedNewline(s, j)
    if (en >= 0) { j = en; continue }
    break
  }
  mlBodyEnd = j
  return lexClose(s, j, '"')
}
const lexLiteralString: Lex = (s, i) => {
  if (s[i] !== "'") return -1
  let j = i + 1
  for (;;) {
    const c = code(s, j)
    if (c >= 0 && !isCtl(c) && c !== 0x27) j++
    else break
  }
  return s[j] === "'" ? j + 1 : -1
}
const lexMlLiteralString: Lex = (s, i) => {
  if (!s.startsWith("'''", i)) return -1
  let j = i + 3
  for (;;) {
    const c = code(s, j)
    if (c >= 0 && !isCtl(c) && !s.startsWith("'''", j)) { j++; continue }
    const n = lexNewline(s, j)
    if (n >= 0) { j = n; continue }
    break
  }
  mlBodyEnd = j
  return lexClose(s, j, "'")
}

const isBare = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x2d || c === 0x5f
const lexUnquotedKey: Lex = (s, i) => {
  let j = i
  while (isBare(code(s, j))) j++
  return j > i ? j : -1
}
const lexSimpleKey = either(lexUnquotedKey, lexBasicString, lexLiteralString)
const lexDotSep: Lex = (s, i) => {
  const j = skipWs(s, i)
  return s[j] === '.' ? skipWs(s, j + 1) : -1
}
const lexDottedKey: Lex = (s, i) => {
  let j = lexSimpleKey(s, i)
  if (j < 0) return -1
  let n = 0
  for (;;) {
    const d = lexDotSep(s, j)
    const k = d < 0 ? -1 : lexSimpleKey(s, d)
    if (k < 0) break
    j = k
    n++
  }
  return n > 0 ? j : -1
}
const lexKey = either(lexDottedKey, lexSimpleKey)
const lexKeyvalSep: Lex = (s, i) => {
  const j = skipWs(s, i)
  return s[j] === '=' ? skipWs(s, j + 1) : -1
}
const lexTableHeader = (open: string, close: string): Lex => (s, i) => {
  if (!s.startsWith(open, i)) return -1
  const k = lexKey(s, skipWs(s, i + open.length))
  if (k < 0) return -1
  const j = skipWs(s, k)
  return s.startsWith(close, j) ? j + close.length : -1
}
const lexStdTable = lexTableHeader('[', ']')
const lexArrayTable = lexTableHeader('[[', ']]')

/** Index of the first byte that is not valid UTF-8, or -1. */
function utf8Error(s: string): number {
  let j = 0
  while (j < s.length) {
    if (s.charCodeAt(j) < 0x80) j++
    else {
      const m = lexUtf8Multi(s, j)
      if (m < 0) return j
      j = m
    }
  }
  return -1
}

// ---------------------------------------------------------------------------------------------
// Values

type Kind =
  | 'boolean' | 'integer' | 'floating' | 'string' | 'offset_datetime' | 'local_datetime'
  | 'local_date' | 'local_time' | 'array' | 'table'
type Table = Map<string, TV>
interface TV {
  readonly k: Kind
  readonly v: boolean | bigint | number | string | null | TV[] | Table
  reg: Reg
}
const mk = (k: Kind, v: TV['v'], reg: Reg): TV => ({ k, v, reg })
const asTable = (x: TV): Table => x.v as Table
const asArray = (x: TV): TV[] => x.v as TV[]

// ---------------------------------------------------------------------------------------------
// Parsers (toml11's parse_*): they return a value or an Err and leave the cursor after what
// they read; on an Err the cursor is where the failure was reported.

function parseBoolean(c: Cur): TV | Err {
  const j = lexBoolean(c.src.s, c.i)
  if (j < 0) return err('toml::parse_boolean: ', [[at(c), 'the next token is not a boolean']])
  const first = c.i
  c.i = j
  return mk('boolean', j - first === 4, span(c, first, j))
}

const INT_MAX = 2n ** 63n - 1n
const INT_MIN = -(2n ** 63n)
/** What `istream >> int64_t` makes of a number that does not fit: the nearest bound. */
const clampInt = (b: bigint): bigint => (b > INT_MAX ? INT_MAX : b < INT_MIN ? INT_MIN : b)

function parseInteger(c: Cur): TV | Err {
  const s = c.src.s
  const first = c.i
  const prefixed = (lex: Lex, name: string, radix: string, wrap: boolean): TV | Err => {
    const j = lex(s, first)
    if (j < 0) return err(name, [[at(c), 'the next token is not an integer']])
    c.i = j
    const b = BigInt(`0${radix}${s.slice(first + 2, j).replace(/_/g, '')}`)
    // binary numbers are summed bit by bit in a signed 64-bit integer; the others are read
    // with `istream >>`, which saturates
    return mk('integer', wrap ? BigInt.asIntN(64, b) : clampInt(b), span(c, first, j))
  }
  if (s[first] === '0') {
    if (first + 1 >= s.length) {
      c.i++
      return mk('integer', 0n, span(c, first, first + 1))
    }
    const second = s[first + 1]!
    if (second === 'b') return prefixed(lexBinInt, 'toml::parse_binary_integer:', 'b', true)
    if (second === 'o') return prefixed(lexOctInt, 'toml::parse_octal_integer:', 'o', false)
    if (second === 'x') return prefixed(lexHexInt, 'toml::parse_hexadecimal_integer', 'x', false)
    if (/[0-9]/.test(second)) {
      return err('toml::parse_integer: leading zero in an Integer is not allowed.', [[at(c), 'leading zero']])
    }
    if (/[A-Za-z]/.test(second)) {
      return err('toml::parse_integer: unknown integer prefix appeared.', [[at(c), 'none of 0x, 0o, 0b']])
    }
  }
  const j = lexDecInt(s, first)
  if (j < 0) return err('toml::parse_integer: ', [[at(c), 'the next token is not an integer']])
  c.i = j
  return mk('integer', clampInt(BigInt(s.slice(first, j).replace(/_/g, ''))), span(c, first, j))
}

const DBL_MAX = 1.7976931348623157e308
function parseFloating(c: Cur): TV | Err {
  const s = c.src.s
  const first = c.i
  const j = lexFloat(s, first)
  if (j < 0) return err('toml::parse_floating: ', [[at(c), 'the next token is not a float']])
  c.i = j
  const str = s.slice(first, j)
  let v: number
  if (str.endsWith('inf')) v = str.startsWith('-') ? -Infinity : Infinity
  else if (str.endsWith('nan')) v = str.startsWith('-') ? NEGATIVE_NAN : NaN
  else {
    // `istream >> double` saturates at the largest finite value
    v = Number(str.replace(/_/g, ''))
    if (v === Infinity) v = DBL_MAX
    else if (v === -Infinity) v = -DBL_MAX
  }
  return mk('floating', v, span(c, first, j))
}

/** UTF-8 bytes of a code point given by a \u or \U escape that ends at `c.i`. */
function codepoint(hex: string, c: Cur): string {
  const cp = parseInt(hex, 16)
  if (cp >= 0xd800 && cp <= 0xdfff) {
    fatal('toml::read_utf8_codepoint: codepoints in the range [0xD800, 0xDFFF] are not valid UTF-8.',
      [[at(c), 'not a valid UTF-8 codepoint']])
  }
  if (cp >= 0x110000) {
    fatal('toml::read_utf8_codepoint: input codepoint is too large.', [[at(c), 'should be in [0x00..0x10FFFF]']])
  }
  if (cp < 0x80) return String.fromCharCode(cp)
  return Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1')
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', b: '\b', t: '\t', n: '\n', f: '\f', r: '\r' }

/** The content of a basic string between `from` and `to`, escapes resolved (already lexed). */
function unescape(c: Cur, from: number, to: number): string {
  const s = c.src.s
  let out = ''
  let j = from
  while (j < to) {
    const k = s.indexOf('\\', j)
    if (k < 0 || k >= to) { out += s.slice(j, to); break }
    out += s.slice(j, k)
    const e = lexEscapeChar(s, k + 1)
    if (e < 0) {
      // an escaped newline: skip it and the whitespace after it
      j = lexEscapedNewline(s, k)
      continue
    }
    const d = s[k + 1]!
    if (d === 'u' || d === 'U') {
      const inner: Cur = { src: c.src, i: e }
      out += codepoint(s.slice(k + 2, e), inner)
    } else out += ESCAPES[d]!
    j = e
  }
  return out
}

function checkUtf8(c: Cur, first: number, last: number, literal: boolean): void {
  const bad = utf8Error(c.src.s.slice(first, last))
  if (bad < 0) return
  // toml11 points into a copy of a literal string's token (with an undefined column); we
  // point at the byte in that copy
  const where: Cur = literal ? { src: { name: c.src.name, s: c.src.s.slice(first, last) }, i: bad } : { src: c.src, i: first + bad }
  fatal('parse_ml_basic_string: invalid utf8 sequence found', [[at(where), 'here']])
}

function parseString(c: Cur): TV | Err {
  const s = c.src.s
  const first = c.i
  const skipNl = (j: number): number => {
    const n = lexNewline(s, j)
    return n < 0 ? j : n
  }
  if (s[first] === '"') {
    if (s.startsWith('"""', first)) {
      const j = lexMlBasicString(s, first)
      if (j < 0) return err('toml::parse_ml_basic_string: the next token is not a valid multiline string', [[at(c), 'here']])
      const body = mlBodyEnd
      const v = unescape(c, skipNl(first + 3), body) + '"'.repeat(j - body - 3)
      checkUtf8(c, first, j, false)
      c.i = j
      return mk('string', v, span(c, first, j))
    }
    return parseBasicString(c)
  }
  if (s[first] === "'") {
    if (s.startsWith("'''", first)) {
      const j = lexMlLiteralString(s, first)
      if (j < 0) {
        return err('toml::parse_ml_literal_string: the next token is not a valid multiline literal string', [[at(c), 'here']])
      }
      const body = mlBodyEnd
      const v = s.slice(skipNl(first + 3), body) + "'".repeat(j - body - 3)
      checkUtf8(c, first, j, true)
      c.i = j
      return mk('string', v, span(c, first, j))
    }
    return parseLiteralString(c)
  }
  return err('toml::parse_string: ', [[at(c), 'the next token is not a string']])
}

function parseBasicString(c: Cur): TV | Err {
  const first = c.i
  const j = lexBasicString(c.src.s, first)
  if (j < 0) return err('toml::parse_basic_string: the next token is not a valid string', [[at(c), 'here']])
  const v = unescape(c, first + 1, j - 1)
  checkUtf8(c, first, j, false)
  c.i = j
  return mk('string', v, span(c, first, j))
}

function parseLiteralString(c: Cur): TV | Err {
  const first = c.i
  const j = lexLiteralString(c.src.s, first)
  if (j < 0) return err('toml::parse_literal_string: the next token is not a valid literal string', [[at(c), 'here']])
  checkUtf8(c, first, j, true)
  c.i = j
  return mk('string', c.src.s.slice(first + 1, j - 1), span(c, first, j))
}

const DATE_MSG = 'month should be 01-12, day should be 01-28,29,30,31, depending on month/year.'

function parseLocalDate(c: Cur): TV | Err {
  const s = c.src.s
  const first = c.i
  const j = lexFullDate(s, first)
  if (j < 0) return err('toml::parse_local_date: ', [[at(c), 'the next token is not a local_date']])
  c.i = j
  const year = Number(s.slice(first, first + 4))
  const month = Number(s.slice(first + 5, first + 7))
  const day = Number(s.slice(first + 8, first + 10))
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const maxDay = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31
  if (month < 1 || month > 12 || day < 1 || day > maxDay) {
    fatal('toml::parse_date: invalid date: it does not conform RFC3339.', [[at(c), DATE_MSG]])
  }
  return mk('local_date', null, span(c, first, j))
}

function parseLocalTime(c: Cur): TV | Err {
  const s = c.src.s
  const first = c.i
  const j = lexPartialTime(s, first)
  if (j < 0) return err('toml::parse_local_time: ', [[at(c), 'the next token is not a local_time']])
  c.i = j
  const h = Number(s.slice(first, first + 2))
  const m = Number(s.slice(first + 3, first + 5))
  const sec = Number(s.slice(first + 6, first + 8))
  if (h > 23 || m > 59 || sec > 60) {
    fatal('toml::parse_time: invalid time: it does not conform RFC3339.', [[at(c),
      'hour should be 00-23, minute should be 00-59, second should be 00-60 (depending on the leap second rules.)']])
  }
  return mk('local_time', null, span(c, first, j))
}

/** A date-time: toml11 re-reads the token from a copy, so errors point into that copy. */
function parseLocalDatetime(c: Cur): TV | Err {
  const first = c.i
  const j = lexLocalDateTime(c.src.s, first)
  if (j < 0) return err('toml::parse_local_datetime: ', [[at(c), 'the next token is not a local_datetime']])
  c.i = j
  const inner = cur(c.src.name, c.src.s.slice(first, j))
  parseLocalDate(inner)
  inner.i++
  parseLocalTime(inner)
  return mk('local_datetime', null, span(c, first, j))
}

function parseOffsetDatetime(c: Cur): TV | Err {
  const first = c.i
  const s = c.src.s
  const j = lexOffsetDateTime(s, first)
  if (j < 0) return err('toml::parse_offset_datetime: ', [[at(c), 'the next token is not a offset_datetime']])
  c.i = j
  const inner = cur(c.src.name, s.slice(first, j))
  parseLocalDatetime(inner)
  const o = inner.src.s.slice(inner.i)
  if (o[0] === '+' || o[0] === '-') {
    if (Number(o.slice(1, 3)) > 23 || Number(o.slice(4, 6)) > 59) {
      fatal('toml::parse_offset_datetime: invalid offset: it does not conform RFC3339.', [[at(c), DATE_MSG]])
    }
  }
  return mk('offset_datetime', null, span(c, first, j))
}

interface Key { keys: string[]; reg: Reg }

function parseSimpleKey(c: Cur): { key: string; reg: Reg } | Err {
  const b = parseBasicString(c)
  if (!(b instanceof Err)) return { key: b.v as string, reg: b.reg }
  const l = parseLiteralString(c)
  if (!(l instanceof Err)) return { key: l.v as string, reg: l.reg }
  const j = lexUnquotedKey(c.src.s, c.i)
  if (j >= 0) {
    const first = c.i
    c.i = j
    return { key: c.src.s.slice(first, j), reg: span(c, first, j) }
  }
  return err('toml::parse_simple_key: ', [[at(c), 'the next token is not a simple key']])
}

const KEY_HINTS = [
  'bare keys  : non-empty strings composed only of [A-Za-z0-9_-].',
  "quoted keys: same as \"basic strings\" or 'literal strings'.",
  'dotted keys: sequence of bare or quoted keys joined with a dot.',
]

function parseKey(c: Cur): Key | Err {
  const first = c.i
  const j = lexDottedKey(c.src.s, first)
  if (j >= 0) {
    // the parts are read again from a copy of the token
    const inner = cur(c.src.name, c.src.s.slice(first, j))
    const keys: string[] = []
    const t = inner.src.s
    while (inner.i < t.length) {
      inner.i = skipWs(t, inner.i)
      const k = parseSimpleKey(inner)
      if (k instanceof Err) throw new TomlError(k.msg())
      keys.push(k.key)
      inner.i = skipWs(t, inner.i)
      if (inner.i >= t.length) break
      inner.i++ // the dot
    }
    c.i = j
    return { keys, reg: span(c, first, j) }
  }
  const k = parseSimpleKey(c)
  if (!(k instanceof Err)) return { keys: [k.key], reg: k.reg }
  return err('toml::parse_key: an invalid key appeared.', [[at(c), 'is not a valid key']], KEY_HINTS)
}

function parseArray(c: Cur): TV | Err {
  const s = c.src.s
  const first = c.i
  const start: Reg = { src: c.src, first, last: first + 1, point: true }
  c.i++
  const out: TV[] = []
  while (c.i < s.length) {
    c.i = skipWsCommentNl(s, c.i)
    if (s[c.i] === ']') {
      c.i++
      return mk('array', out, span(c, first, c.i))
    }
    const v = parseValue(c)
    if (v instanceof Err) {
      fatal('toml::parse_array: value having invalid format appeared in an array',
        [[start, 'array starts here'], [at(c), 'it is not a valid value.']])
    }
    out.push(v as TV)
    const sep = skipWsCommentNl(s, c.i)
    if (s[sep] === ',') {
      c.i = sep + 1
      continue
    }
    c.i = sep
    if (s[c.i] === ']') {
      c.i++
      return mk('array', out, span(c, first, c.i))
    }
    fatal('toml::parse_array: missing array separator `,` after a value',
      [[start, 'array starts here'], [at(c), 'should be `,`']])
  }
  c.i = first
  return fatal('toml::parse_array: array did not closed by `]`', [[at(c), 'should be closed']])
}

function parseInlineTable(c: Cur): TV | Err {
  const s = c.src.s
  const first = c.i
  const t: Table = new Map()
  c.i = skipWs(s, c.i + 1)
  if (s[c.i] === '}') {
    c.i++
    return mk('table', t, span(c, first, c.i))
  }
  while (c.i < s.length) {
    const kv = parseKeyValue(c)
    if (kv instanceof Err) return kv
    insertNested(t, kv.val, kv.key.keys, kv.key.reg, false)
    const j = skipWs(s, c.i)
    if (s[j] !== ',') {
      c.i = j
      if (c.i >= s.length) fatal('toml::parse_inline_table: missing table separator `}` ', [[at(c), 'should be `}`']])
      const ch = s[c.i]
      if (ch === '}') {
        c.i++
        return mk('table', t, span(c, first, c.i))
      }
      if (ch === '#' || ch === '\r' || ch === '\n') {
        fatal('toml::parse_inline_table: missing curly brace `}`', [[at(c), 'should be `}`']])
      }
      fatal('toml::parse_inline_table: missing table separator `,` ', [[at(c), 'should be `,`']])
    }
    c.i = skipWs(s, j + 1)
    if (s[c.i] === '}') {
      fatal('toml::parse_inline_table: trailing comma is not allowed in an inline table', [[at(c), 'should be `}`']])
    }
  }
  c.i = first
  return fatal('toml::parse_inline_table: inline table did not closed by `}`', [[at(c), 'should be closed']])
}

const FLOAT_HINTS = ['pass: +1.0, -2e-2, 3.141_592_653_589, inf, nan', 'fail: .0, 1., _1.0, 1.0_, 1_.0, 1.0__0']
const INT_HINTS = ['pass: -42, 1_000, 1_2_3_4_5, 0xC0FFEE, 0b0010, 0o755', 'fail: 1__000, 0123']
const TIME_HINTS_T = ['pass: 1979-05-27T07:32:00, 1979-05-27 07:32:00.999999', 'fail: 1979-05-27T7:32:00, 1979-05-27 17:32']
const TIME_HINTS = ['pass: 1979-05-27T07:32:00, 1979-05-27 07:32:00.999999', 'fail: 1979-05-27T7:32:00, 1979-05-27 7:32']

/** toml11's guess_number_type: what a value that starts like a number is, or why it is bad. */
function guessNumber(c: Cur): Kind | Err {
  const s = c.src.s
  const i = c.i
  const here = (j: number): Reg => ({ src: c.src, first: j, last: j + 1, point: true })
  if (lexOffsetDateTime(s, i) >= 0) return 'offset_datetime'
  let j = lexLocalDateTime(s, i)
  if (j >= 0) {
    const ch = s[j]
    if (ch === '+' || ch === '-' || ch === 'Z' || ch === 'z') {
      return err('bad offset: should be [+-]HH:MM or Z', [[here(j), '[+-]HH:MM or Z']], ['pass: +09:00, -05:30', 'fail: +9:00, -5:30'])
    }
    return 'local_datetime'
  }
  j = lexFullDate(s, i)
  if (j >= 0) {
    const ch = s[j]
    if (ch === 'T' || ch === 't') return err('bad time: should be HH:MM:SS.subsec', [[here(j), 'HH:MM:SS.subsec']], TIME_HINTS_T)
    if (ch !== undefined && isDigit(ch.charCodeAt(0))) {
      return err('bad time: missing T', [[here(j), 'T or space required here']], TIME_HINTS)
    }
    if (ch === ' ' && isDigit(code(s, j + 1))) {
      return err('bad time: should be HH:MM:SS.subsec', [[here(j + 1), 'HH:MM:SS.subsec']], TIME_HINTS)
    }
    return 'local_date'
  }
  if (lexPartialTime(s, i) >= 0) return 'local_time'
  j = lexFloat(s, i)
  if (j >= 0) {
    if (s[j] === '_') return err('bad float: `_` should be surrounded by digits', [[here(j), 'here']], FLOAT_HINTS)
    return 'floating'
  }
  j = lexInteger(s, i)
  if (j >= 0) {
    const ch = s[j]
    if (ch === '_') return err('bad integer: `_` should be surrounded by digits', [[here(j), 'here']], INT_HINTS)
    if (ch !== undefined && isDigit(ch.charCodeAt(0))) return err('bad integer: leading zero', [[here(j - 1), 'here']], INT_HINTS)
    if (ch === ':' || ch === '-') {
      return err('bad datetime: invalid format', [[here(j), 'here']], [
        'pass: 1979-05-27T07:32:00-07:00, 1979-05-27 07:32:00.999999Z',
        'fail: 1979-05-27T7:32:00-7:00, 1979-05-27 7:32-00:30'])
    }
    if (ch === '.' || ch === 'e' || ch === 'E') return err('bad float: invalid format', [[here(j), 'here']], FLOAT_HINTS)
    return 'integer'
  }
  if (s[i] === '.') return err('bad float: invalid format', [[here(i), 'integer part required before this']], FLOAT_HINTS)
  if (s[i] === '_') {
    return err('bad number: `_` should be surrounded by digits', [[here(i), '`_` is not surrounded by digits']], INT_HINTS)
  }
  return err('bad format: unknown value appeared', [[here(i), 'here']])
}

function parseValue(c: Cur): TV | Err {
  const s = c.src.s
  if (c.i >= s.length) return err('toml::parse_value: input is empty', [[at(c), '']])
  switch (s[c.i]) {
    case '"': case "'": return parseString(c)
    case 't': case 'f': return parseBoolean(c)
    case '[': return parseArray(c)
    case '{': return parseInlineTable(c)
    case 'i': case 'n': return parseFloating(c)
  }
  const kind = guessNumber(c)
  if (kind instanceof Err) return kind
  switch (kind) {
    case 'offset_datetime': return parseOffsetDatetime(c)
    case 'local_datetime': return parseLocalDatetime(c)
    case 'local_date': return parseLocalDate(c)
    case 'local_time': return parseLocalTime(c)
    case 'floating': return parseFloating(c)
    default: return parseInteger(c)
  }
}

function parseKeyValue(c: Cur): { key: Key; val: TV } | Err {
  const s = c.src.s
  const first = c.i
  const key = parseKey(c)
  if (key instanceof Err) {
    if (lexKeyvalSep(s, c.i) >= 0) {
      c.i = first
      return err('toml::parse_key_value_pair: empty key is not allowed.', [[at(c), "key expected before '='"]])
    }
    return key
  }
  const sep = lexKeyvalSep(s, c.i)
  if (sep < 0) {
    const eol = lineEnd(s, c.i)
    const eq = s.indexOf('=', c.i)
    const e = eq >= 0 && eq < eol
      ? err('toml::parse_key_value_pair: invalid format for key', [[at(c), 'invalid character in key']],
        ["Did you forget '.' to separate dotted-key?", 'Allowed characters for bare key are [0-9a-zA-Z_-].'])
      : err('toml::parse_key_value_pair: missing key-value separator `=`', [[at(c), 'should be `=`']])
    c.i = first
    return e
  }
  c.i = sep
  const val = parseValue(c)
  if (val instanceof Err) {
    c.i = sep
    const e = lexLineEnd(s, sep) >= 0
      ? err("toml::parse_key_value_pair: missing value after key-value separator '='", [[at(c), 'expected value, but got nothing']])
      : val
    c.i = first
    return e
  }
  return { key, val }
}

// ---------------------------------------------------------------------------------------------
// Tables

const dotted = (keys: readonly string[], n: number): string => keys.slice(0, n).join('.')

function parseTableKeyAt(c: Cur, array: boolean): Key | Err {
  const s = c.src.s
  const first = c.i
  const j = (array ? lexArrayTable : lexStdTable)(s, first)
  if (j < 0) {
    return err(array ? 'toml::parse_array_table_key: not a valid table key' : 'toml::parse_table_key: not a valid table key',
      [[at(c), 'here']])
  }
  const inner = cur(c.src.name, s.slice(first, j))
  inner.i = skipWs(inner.src.s, array ? 2 : 1)
  const k = parseKey(inner) as Key
  c.i = j
  if (c.i < s.length) {
    const nl = lexLineEnd(s, c.i)
    if (nl < 0) {
      fatal(array
        ? 'toml::parse_array_table_key: newline required after [[table.key]]'
        : 'toml::parse_table_key: newline required after [table.key]', [[at(c), 'expected newline']])
    }
    c.i = nl
  }
  return { keys: k.keys, reg: span(c, first, j) }
}

/**
 * toml11's is_valid_forward_table_definition: may the table `inserting` be merged into the
 * existing table `fwd`? It decides from the text of their regions.
 */
function validForward(fwd: TV, inserting: TV, keys: readonly string[], curIdx: number): boolean {
  if (regStr(inserting.reg).startsWith('{')) return false
  const def = cur('internal', regStr(fwd.reg))
  const tk = parseTableKeyAt(def, false)
  if (!(tk instanceof Err)) {
    return !(tk.keys.length === keys.length && tk.keys.every((x, n) => x === keys[n]))
  }
  def.i = 0
  const dk = parseKey(def)
  if (!(dk instanceof Err)) {
    const rest = keys.slice(curIdx)
    return !(dk.keys.length === rest.length && dk.keys.every((x, n) => x === rest[n]))
  }
  return false
}

/** toml11's insert_nested_key: put `v` at the dotted path `keys` under `root`. */
function insertNested(root: Table, v: TV, keys: readonly string[], keyReg: Reg, aot: boolean): void {
  let tab = root
  const name = keys.join('.')
  for (let n = 0; n < keys.length; n++) {
    const k = keys[n]!
    const ex = tab.get(k)
    if (n === keys.length - 1) {
      if (aot) {
        if (ex === undefined) {
          tab.set(k, mk('array', [v], keyReg))
          return
        }
        if (ex.k === 'table') {
          fatal(`toml::insert_value: array of table ("${name}") cannot be defined`,
            [[ex.reg, 'table already defined'], [v.reg, 'this conflicts with the previous table']])
        }
        const a = ex.v as TV[]
        if (ex.k !== 'array' || a.length === 0 || a[0]!.k !== 'table') {
          fatal(`toml::insert_value: array of table ("${name}") collides with existing value`,
            [[ex.reg, `this ${ex.k} value already exists`], [v.reg, 'while inserting this array-of-tables']])
        }
        if (!regStr(a[0]!.reg).startsWith('[[')) {
          fatal(`toml::insert_value: array of table ("${name}") collides with existing array-of-tables`,
            [[ex.reg, `this ${ex.k} value has static size`], [v.reg, 'appending it to the statically sized array']])
        }
        a.push(v)
        return
      }
      if (ex === undefined) {
        tab.set(k, v)
        return
      }
      if (ex.k === 'table' && v.k === 'table') {
        if (!validForward(ex, v, keys, n)) {
          fatal(`toml::insert_value: table ("${name}") already exists.`,
            [[ex.reg, 'table already exists here'], [v.reg, 'table defined twice']])
        }
        const t = asTable(ex)
        for (const [kk, vv] of asTable(v)) {
          const old = t.get(kk)
          if (old !== undefined) {
            fatal(`toml::insert_value: value ("${name}") already exists.`,
              [[old.reg, 'already exists here'], [v.reg, 'this defined twice']])
          }
          t.set(kk, vv)
        }
        ex.reg = keyReg
        return
      }
      if (v.k === 'table' && ex.k === 'array' && asArray(ex).length > 0 && asArray(ex)[0]!.k === 'table') {
        fatal(`toml::insert_value: array of tables ("${name}") already exists.`,
          [[ex.reg, 'array of tables defined here'], [v.reg, 'table conflicts with the previous array of table']])
      }
      fatal(`toml::insert_value: value ("${name}") already exists.`,
        [[ex.reg, 'value already exists here'], [v.reg, 'value defined twice']])
    }
    let next = ex
    if (next === undefined) {
      next = mk('table', new Map(), keyReg)
      tab.set(k, next)
    }
    if (next.k === 'table') {
      if (next.reg.src.s[next.reg.first] === '{') {
        fatal(`toml::insert_value: inserting to an inline table (${dotted(keys, n + 1)}) but inline tables are immutable`,
          [[next.reg, 'inline tables are immutable'], [v.reg, 'inserting this']])
      }
      tab = asTable(next)
    } else if (next.k === 'array' && asArray(next).length > 0) {
      const a = asArray(next)
      const last = a[a.length - 1]!
      if (last.k !== 'table') {
        fatal(`toml::insert_value: target (${dotted(keys, n + 1)}) is neither table nor an array of tables`,
          [[last.reg, `actual type is ${last.k}`], [v.reg, 'inserting this']])
      }
      tab = asTable(last)
    } else {
      fatal(`toml::insert_value: target (${dotted(keys, n + 1)}) is neither table nor an array of tables`,
        [[next.reg, `actual type is ${next.k}`], [v.reg, 'inserting this']])
    }
  }
}

/** (ws? comment? newline)+ */
function skipLines(s: string, i: number): number {
  let j = i
  for (;;) {
    const n = lexLineEnd(s, j)
    if (n < 0) return j === i ? -1 : j
    j = n
  }
}
const skipWsComment = (s: string, i: number): number => {
  const j = skipWs(s, i)
  const k = lexComment(s, j)
  return k < 0 ? j : k
}

/** The key/value lines of one table, up to the next table header. */
function parseTableBody(c: Cur): Table | Err {
  const s = c.src.s
  const tab: Table = new Map()
  if (c.i >= s.length) return tab
  const sl = skipLines(s, c.i)
  if (sl >= 0) c.i = sl
  c.i = skipWs(s, c.i)
  while (c.i < s.length) {
    c.i = skipWs(s, c.i)
    const before = c.i
    if (!(parseTableKeyAt(c, true) instanceof Err) || !(parseTableKeyAt(c, false) instanceof Err)) {
      c.i = before
      return tab
    }
    const kv = parseKeyValue(c)
    if (kv instanceof Err) return kv
    insertNested(tab, kv.val, kv.key.keys, kv.key.reg, false)
    c.i = skipWsComment(s, c.i)
    const nl = skipLines(s, c.i)
    if (nl < 0 && c.i < s.length) {
      c.i = skipWs(s, c.i)
      const ch = s.charCodeAt(c.i)
      const shown = ch >= 0x21 && ch <= 0x7e ? s[c.i]! : `0x${ch.toString(16).padStart(2, '0')}`
      return err('toml::parse_table: invalid line format', [[at(c), `expected newline, but got '${shown}'.`]])
    }
    if (nl >= 0) c.i = nl
    c.i = skipWsComment(s, c.i)
  }
  return tab
}

function parseDocument(text: string): Table {
  // toml11 ends the text with a newline unless it already ends with one (or with a CR)
  const s = text.length > 0 && !text.endsWith('\n') && !text.endsWith('\r') ? `${text}\n` : text
  const c = cur(FILE_NAME, s)
  if (s.startsWith('\xef\xbb\xbf')) c.i = 3
  const fail = (e: Err): never => {
    throw new TomlError(e.msg())
  }
  const data = parseTableBody(c)
  if (data instanceof Err) return fail(data)
  while (c.i < s.length) {
    let array = true
    let key = parseTableKeyAt(c, true)
    if (key instanceof Err) {
      array = false
      key = parseTableKeyAt(c, false)
    }
    if (key instanceof Err) return fail(err('toml::parse_toml_file: unknown line appeared', [[at(c), 'unknown format']]))
    const body = parseTableBody(c)
    if (body instanceof Err) return fail(body)
    insertNested(data, mk('table', body, key.reg), key.keys, key.reg, array)
  }
  return data
}

// ---------------------------------------------------------------------------------------------

/**
 * Parse a TOML document (a byte string) into a Nix value, as `builtins.fromTOML` does.
 * @throws NixError with toml11's message when the document is malformed, or when it holds a
 *   date or time
 */
export function fromTOML(text: string, pos: PosIdx | undefined): Value {
  let data: Table
  try {
    data = parseDocument(text)
  } catch (e) {
    if (e instanceof TomlError) throw new NixError('eval', `while parsing a TOML string: ${e.message}`, pos)
    throw e
  }
  const toNix = (x: TV): Value => {
    switch (x.k) {
      case 'table': {
        const m = new Map<string, Lazy>()
        for (const [k, y] of asTable(x)) m.set(k, toNix(y))
        return NixAttrs.fromMap(m)
      }
      case 'array': return asArray(x).map(toNix)
      case 'boolean': return x.v as boolean
      case 'integer': return normInt(x.v as bigint)
      case 'floating': return new NixFloat(x.v as number)
      case 'string': {
        // Nix copies the string as a C string: it ends at the first NUL
        const str = x.v as string
        const z = str.indexOf('\0')
        return z < 0 ? str : str.slice(0, z)
      }
      default:
        throw new NixError('eval', 'while parsing a TOML string: Dates and times are not supported', pos)
    }
  }
  return toNix(mk('table', data, { src: { name: FILE_NAME, s: '' }, first: 0, last: 0 }))
}
