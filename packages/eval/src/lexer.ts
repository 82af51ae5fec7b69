/**
 * The Nix lexer, with the start conditions of Nix 2.8's flex scanner (lexer.l): default,
 * "…" strings, ''…'' indented strings and interpolated paths. Source text is a byte string
 * (one char per byte, latin1), so offsets, columns and string contents are bytes as in Nix.
 */
import type { Source } from './source.js'
import { NixSyntaxError } from './errors.js'
import { symbolId } from './symbols.js'

export type TokenKind =
  | 'ID' | 'INT' | 'FLOAT' | 'PATH' | 'HPATH' | 'SPATH' | 'URI' | 'STR' | 'IND_STR'
  | 'DOLLAR_CURLY' | 'IND_OPEN' | 'IND_CLOSE' | 'PATH_END' | 'EOF'
  | 'if' | 'then' | 'else' | 'assert' | 'with' | 'let' | 'in' | 'rec' | 'inherit' | 'or'
  | '...' | '==' | '!=' | '<=' | '>=' | '&&' | '||' | '->' | '//' | '++'
  | '{' | '}' | '(' | ')' | '[' | ']' | ';' | ':' | '.' | ',' | '@' | '?' | '=' | '"'
  | '<' | '>' | '+' | '-' | '*' | '/' | '!'
  | 'CHAR'

export interface Token {
  t: TokenKind
  /** Text: identifier, string part (unescaped), path, number literal. */
  v: string
  /** For IND_STR: true when it is plain text whose spaces count as indentation. */
  indent?: boolean | undefined
  /** Byte offset in the source text (its position is `src.base + off`). */
  off: number
}

/** A token with its line and column, as `tokenize` returns it (the parser needs only offsets). */
export interface PositionedToken extends Token {
  line: number
  col: number
}

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or'])
const TWO_CHAR = new Set(['==', '!=', '<=', '>=', '&&', '||', '->', '//', '++'])

const RE_ID = /[a-zA-Z_][a-zA-Z0-9_'-]*/y
const RE_INT = /[0-9]+/y
const RE_FLOAT = /(?:[1-9][0-9]*\.[0-9]*|0?\.[0-9]+)(?:[Ee][+-]?[0-9]+)?/y
const RE_PATH = /[a-zA-Z0-9._+-]*(?:\/[a-zA-Z0-9._+-]+)+\/?/y
const RE_PATH_SEG_DOLLAR = /[a-zA-Z0-9._+-]*\/\$\{/y
const RE_PATH_SEG = /[a-zA-Z0-9._+-]*\//y
const RE_HPATH = /~(?:\/[a-zA-Z0-9._+-]+)+\/?/y
const RE_HPATH_START_DOLLAR = /~\/\$\{/y
const RE_SPATH = /<[a-zA-Z0-9._+-]+(?:\/[a-zA-Z0-9._+-]+)*>/y
const RE_URI = /[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+/y
const RE_INPATH_PART = /[a-zA-Z0-9._+-]*(?:\/[a-zA-Z0-9._+-]+)+\/?|[a-zA-Z0-9._+-]*\/|[a-zA-Z0-9._+-]+/y

/** [a-zA-Z0-9._+-] */
function isPathChar(d: number): boolean {
  return (d >= 97 && d <= 122) || (d >= 65 && d <= 90) || (d >= 48 && d <= 57) || d === 46 || d === 95 || d === 43 || d === 45
}

function matchAt(re: RegExp, text: string, off: number): number {
  re.lastIndex = off
  return re.test(text) ? re.lastIndex - off : 0
}

type State = 'default' | 'string' | 'ind' | 'inpath' | 'inpath-slash'

/**
 * The value of an integer literal: a number, a bigint beyond 2^53, or undefined beyond 2^63 - 1.
 * (Tokens carry only their text: a field that is sometimes a number keeps V8 from settling
 * on one layout for tokens.)
 */
export function intValue(digits: string): number | bigint | undefined {
  const num = Number(digits)
  if (Number.isSafeInteger(num)) return num
  const big = BigInt(digits)
  return big > 9223372036854775807n ? undefined : big
}

/** Unescape a "…" string part (or the char after ''\): \n \r \t, \x → x, CR/CRLF → LF. */
function unescape(s: string): string {
  if (s.indexOf('\\') < 0 && s.indexOf('\r') < 0) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '\\') {
      const d = s[++i]
      if (d === undefined) { out += '\\'; break }
      out += d === 'n' ? '\n' : d === 'r' ? '\r' : d === 't' ? '\t' : d
    } else if (c === '\r') {
      out += '\n'
      if (s[i + 1] === '\n') i++
    } else out += c
  }
  return out
}

/** Tokenize a whole source. Throws NixSyntaxError on a lexical error. */
export function tokenize(src: Source): PositionedToken[] {
  const next = lexer(src)
  const out: PositionedToken[] = []
  for (;;) {
    const t = next()
    const p = src.at(t.off)
    out.push({ ...t, line: p.line, col: p.col })
    if (t.t === 'EOF') return out
  }
}

/**
 * A lexer producing tokens on demand, as flex does for bison: each call returns the next
 * token (EOF forever at the end), and throws NixSyntaxError on a lexical error. Tokens are
 * not kept, so they die young instead of living as long as the parse.
 */
export function lexer(src: Source): () => Token {
  const text = src.text
  const n = text.length
  // identifiers seen so far, each kept once
  const names = new Map<string, string>()
  // the token lexed by the current call (each step of the loop makes at most one)
  let tok: Token | null = null
  const stack: State[] = []
  let state = 'default' as State
  let off = 0
  // where the last lexeme (token, blanks or comment) started: flex reports EOF there
  let lastOff = 0

  const advance = (len: number): void => {
    lastOff = off
    off += len
  }
  const push = (t: TokenKind, v: string, len: number, indent?: boolean): void => {
    // one object shape for every token (monomorphic property access in the parser)
    tok = { t, v, indent, off }
    advance(len)
  }
  const fail = (msg: string): never => {
    throw new NixSyntaxError(msg, src.base + off)
  }
  const pushState = (s: State): void => { stack.push(state); state = s }
  const popState = (): void => { state = stack.pop() ?? 'default' }

  // the longest regex rule match at `off` so far, and its kind
  let best = 0
  let kind = 'CHAR' as TokenKind | 'PSEG' | 'HSEG'
  const tryRule = (re: RegExp, k: TokenKind | 'PSEG' | 'HSEG'): void => {
    const len = matchAt(re, text, off)
    if (len > best) { best = len; kind = k }
  }

  let eof: Token | undefined
  return (): Token => {
    tok = null
    while (tok === null && (off < n || state === 'inpath' || state === 'inpath-slash')) {
      if (state === 'string') {
        const c = text[off]!
        if (c === '"') { popState(); push('"', '"', 1); continue }
        if (c === '$' && text[off + 1] === '{') { pushState('default'); push('DOLLAR_CURLY', '${', 2); continue }
        // a run of string chars: anything but an unescaped " or ${ ; $$ is literal
        let i = off
        for (;;) {
          if (i >= n) break
          const d = text[i]!
          if (d === '"') break
          if (d === '\\') { i += i + 1 < n ? 2 : 1; continue }
          if (d === '$') {
            const e = text[i + 1]
            if (e === '{') break
            if (e === '"' || e === undefined) { i++; continue }
            if (e === '\\') { i += i + 2 < n ? 3 : 2; continue }
            i += 2; continue
          }
          i++
        }
        const raw = text.slice(off, i)
        push('STR', unescape(raw), i - off)
        continue
      }
      if (state === 'ind') {
        const c = text[off]!
        if (c === '$' && text[off + 1] === '{') { pushState('default'); push('DOLLAR_CURLY', '${', 2); continue }
        if (c === "'" && text[off + 1] === "'") {
          const d = text[off + 2]
          if (d === '$') { push('IND_STR', '$', 3); continue }
          if (d === "'") { push('IND_STR', "''", 3); continue }
          if (d === '\\' && off + 3 < n) { push('IND_STR', unescape(text.slice(off + 2, off + 4)), 4); continue }
          popState(); push('IND_CLOSE', "''", 2); continue
        }
        // ([^$']|\$[^{']|'[^'$])+
        let i = off
        for (;;) {
          if (i >= n) break
          const d = text[i]!
          if (d === '$') {
            const e = text[i + 1]
            if (e === undefined || e === '{' || e === "'") break
            i += 2; continue
          }
          if (d === "'") {
            const e = text[i + 1]
            if (e === undefined || e === "'" || e === '$') break
            i += 2; continue
          }
          i++
        }
        if (i > off) { push('IND_STR', text.slice(off, i), i - off, true); continue }
        if (c === '$') { push('IND_STR', '$', 1); continue }
        push('IND_STR', "'", 1)
        continue
      }
      if (state === 'inpath' || state === 'inpath-slash') {
        if (text[off] === '$' && text[off + 1] === '{') {
          state = 'inpath'; pushState('default'); push('DOLLAR_CURLY', '${', 2); continue
        }
        const len = off < n ? matchAt(RE_INPATH_PART, text, off) : 0
        if (len > 0) {
          const v = text.slice(off, off + len)
          state = v.endsWith('/') ? 'inpath-slash' : 'inpath'
          push('STR', v, len)
          continue
        }
        if (state === 'inpath-slash') fail('path has a trailing slash')
        popState()
        tok = { t: 'PATH_END', v: '', indent: undefined, off }
        continue
      }

      // default state
      const c = text.charCodeAt(off)
      // whitespace
      if (c === 32 || c === 9 || c === 10 || c === 13) {
        let i = off + 1
        for (;;) {
          const d = text.charCodeAt(i)
          if (d === 32 || d === 9 || d === 10 || d === 13) i++
          else break
        }
        advance(i - off)
        continue
      }
      if (c === 35 /* # */) {
        let i = off
        while (i < n && text[i] !== '\n' && text[i] !== '\r') i++
        advance(i - off); continue
      }
      if (c === 47 /* / */ && text[off + 1] === '*') {
        const end = text.indexOf('*/', off + 2)
        if (end < 0) {
          // flex would lex '/' and '*' as characters: a syntax error follows
          push('/', '/', 1); continue
        }
        advance(end + 2 - off); continue
      }
      const ch = text[off]!
      if (ch === '"') { pushState('string'); push('"', '"', 1); continue }
      if (ch === "'" && text[off + 1] === "'") {
        // ''(\ *\n)? : spaces and the newline right after the opening are not content
        let i = off + 2
        while (text[i] === ' ') i++
        const len = text[i] === '\n' ? i + 1 - off : 2
        pushState('ind'); push('IND_OPEN', "''", len); continue
      }
      if (ch === '$' && text[off + 1] === '{') { pushState('default'); push('DOLLAR_CURLY', '${', 2); continue }
      if (ch === '{') { pushState('default'); push('{', '{', 1); continue }
      if (ch === '}') { if (stack.length > 0) popState(); push('}', '}', 1); continue }
      // single-character tokens no other rule can start: ; ( ) [ ] , @ ? : and = / ==
      if (c === 59 || c === 40 || c === 41 || c === 91 || c === 93 || c === 44 || c === 64 || c === 63 || c === 58) {
        push(ch as TokenKind, ch, 1); continue
      }
      if (c === 61) {
        if (text.charCodeAt(off + 1) === 61) push('==', '==', 2)
        else push('=', '=', 1)
        continue
      }

      // Fast paths for the commonest tokens, identifiers/keywords and integers, when no longer
      // rule (path, URI, float) can match: the char after the longest run of path characters
      // is not '/' (no PATH), and for identifiers the char after the longest run of URI scheme
      // characters is not ':' (no URI); for integers the next char is not a path char or '/'.
      if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
        let i = off + 1
        for (;;) {
          const d = text.charCodeAt(i)
          if ((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || (d >= 48 && d <= 57) || d === 95 || d === 39 || d === 45) i++
          else break
        }
        // (a char that ends the identifier and can continue neither a path nor a URI scheme
        // decides at once)
        const e = text.charCodeAt(i)
        let plain = e !== 46 && e !== 43 && e !== 47 && e !== 58
        if (!plain) {
          let p = i
          while (isPathChar(text.charCodeAt(p))) p++
          let u = off + 1
          for (;;) {
            const d = text.charCodeAt(u)
            if ((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || (d >= 48 && d <= 57) || d === 43 || d === 45 || d === 46) u++
            else break
          }
          plain = text.charCodeAt(p) !== 47 && (c === 95 || text.charCodeAt(u) !== 58)
        }
        if (plain) {
          // one string per distinct identifier: the syntax tree keeps them for its lifetime
          const slice = text.slice(off, i)
          let v = names.get(slice)
          if (v === undefined) {
            names.set(slice, v = slice)
            // as Nix's lexer makes symbols: the first time a name is seen fixes its order
            symbolId(v)
          }
          push(i - off <= 7 && KEYWORDS.has(v) ? v as TokenKind : 'ID', v, i - off)
          continue
        }
      } else if (c >= 48 && c <= 57) {
        let i = off + 1
        while (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++
        const d = text.charCodeAt(i)
        if (!isPathChar(d) && d !== 47) {
          const v = text.slice(off, i)
          if (intValue(v) === undefined) fail(`invalid integer '${v}'`)
          push('INT', v, i - off)
          continue
        }
      }

      // `.` of an attribute path (`a.b`): not `...`, a float (`.5`) or a path (`./x`, `.b/c`)
      if (c === 46) {
        const d = text.charCodeAt(off + 1)
        if (d !== 46 && !(d >= 48 && d <= 57)) {
          let p = off + 1
          while (isPathChar(text.charCodeAt(p))) p++
          if (text.charCodeAt(p) !== 47) { push('.', '.', 1); continue }
        }
      }

      // longest match among the regex rules (earlier rule wins a tie, as in flex)
      best = 0
      kind = 'CHAR' as TokenKind | 'PSEG' | 'HSEG'
      if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) tryRule(RE_ID, 'ID')
      if (c >= 48 && c <= 57) tryRule(RE_INT, 'INT')
      if ((c >= 48 && c <= 57) || c === 46) tryRule(RE_FLOAT, 'FLOAT')
      const pathStart = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)
        || c === 46 || c === 95 || c === 45 || c === 43 || c === 47
      if (pathStart) { tryRule(RE_PATH_SEG_DOLLAR, 'PSEG'); tryRule(RE_PATH, 'PATH') }
      if (c === 126) { tryRule(RE_HPATH_START_DOLLAR, 'HSEG'); tryRule(RE_HPATH, 'HPATH') }
      if (c === 60) tryRule(RE_SPATH, 'SPATH')
      if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) tryRule(RE_URI, 'URI')
      // fixed strings (keywords and operators) come first in lexer.l and win ties
      if (kind === 'ID') {
        const v = text.slice(off, off + best)
        if (KEYWORDS.has(v)) { push(v as TokenKind, v, best); continue }
      }
      if (best <= 3 && text.startsWith('...', off)) { push('...', '...', 3); continue }
      if (best <= 2) {
        const two = text.slice(off, off + 2)
        if (TWO_CHAR.has(two)) { push(two as TokenKind, two, 2); continue }
      }
      if (best === 0) {
        if ('()[];:.,@?=<>+-*/!'.includes(ch)) { push(ch as TokenKind, ch, 1); continue }
        push('CHAR', ch, 1); continue
      }
      const v = text.slice(off, off + best)
      switch (kind as TokenKind | 'PSEG' | 'HSEG') {
        case 'ID': push('ID', v, best); break
        case 'INT':
          if (intValue(v) === undefined) fail(`invalid integer '${v}'`)
          push('INT', v, best); break
        case 'FLOAT': push('FLOAT', v, best); break
        case 'PSEG': {
          const seg = matchAt(RE_PATH_SEG, text, off)
          const p = text.slice(off, off + seg)
          push('PATH', p, seg); pushState('inpath-slash'); break
        }
        case 'HSEG': push('HPATH', '~/', 2); pushState('inpath-slash'); break
        case 'PATH': push('PATH', v, best); pushState(v.endsWith('/') ? 'inpath-slash' : 'inpath'); break
        case 'HPATH': push('HPATH', v, best); pushState(v.endsWith('/') ? 'inpath-slash' : 'inpath'); break
        case 'SPATH': push('SPATH', v, best); break
        case 'URI': push('URI', v, best); break
        default: push('CHAR', ch, 1)
      }
    }
    if (tok !== null) return tok
    // an unterminated string ends at EOF too: the parser reports what it expected
    eof ??= { t: 'EOF', v: '', indent: undefined, off: lastOff }
    return eof
  }
}
