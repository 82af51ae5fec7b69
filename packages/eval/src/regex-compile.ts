/**
 * POSIX extended regular expressions as Nix 2.8 compiles them: `std::regex(re, std::regex::extended)`
 * from libstdc++ (GCC 12 headers, built with -std=c++17, i.e. __STRICT_ANSI__), "C" locale.
 *
 * This is a scanner and a recursive-descent compiler producing the same NFA libstdc++ builds (same
 * state kinds, same links, same clones for `{m,n}`, same count of states for its 100000-state limit),
 * so that the backtracking executor in regex-exec.ts explores exactly the paths libstdc++'s does.
 * Behaviour worth knowing (all checked against real Nix 2.8):
 * - `\` may only escape one of `.[\()*+?{|^$`; anything else (`\d`, `\n`, `\]`) is an error.
 * - `*`, `+`, `?`, `{` at the start of an alternative or after `^`/`$` is an error; `a**` is fine.
 * - `.` matches any byte except NUL (newline included); classes are ASCII-only ("C" locale).
 * - Inside brackets, `\` is literal, `]` first is literal, ranges compare bytes as *signed* chars,
 *   `[[.name.]]` takes POSIX names (`[[.hyphen.]]`, `[[.a.]]`), `[[=a=]]` matches `a` and `A`.
 * - Intervals `{m}`, `{m,}`, `{m,n}` are expanded by copying states; a number wraps like C's `int`.
 *
 * Besides the NFA, the compiler decides whether JS's RegExp gives the very same answers (see
 * `fastSource`), which keeps the common simple patterns fast.
 */

/** Why a pattern was rejected: `space` is libstdc++'s error_space (too many NFA states). */
export type RegexCompileErrorCode = 'invalid' | 'space'

/** A pattern std::regex would reject. */
export class RegexCompileError extends Error {
  readonly code: RegexCompileErrorCode
  constructor(code: RegexCompileErrorCode, message: string) {
    super(message)
    this.name = 'RegexCompileError'
    this.code = code
  }
}

/** libstdc++'s _GLIBCXX_REGEX_STATE_LIMIT. */
export const REGEX_STATE_LIMIT = 100000

/** NFA state kinds (libstdc++'s _Opcode, restricted to what extended syntax produces). */
export const OP = {
  alternative: 1,
  repeat: 2,
  lineBegin: 4,
  lineEnd: 5,
  subBegin: 8,
  subEnd: 9,
  dummy: 10,
  match: 11,
  accept: 12,
} as const

/** A compiled pattern: the NFA (parallel arrays indexed by state id) and an optional JS equivalent. */
export interface RegexProgram {
  readonly op: Int8Array
  readonly next: Int32Array
  /** For alternative/repeat: the other branch (alternative: left side; repeat: the loop body). */
  readonly alt: Int32Array
  /** For subBegin/subEnd: the group index; for match: an index into `sets`. */
  readonly arg: Int32Array
  /** For match states: which bytes match (256 entries, 1 = matches). */
  readonly sets: readonly Uint8Array[]
  /** Number of groups including group 0 (the whole match). */
  readonly groups: number
  readonly start: number
  /** Bytes that can start a match (an over-approximation), and whether a match can be empty. */
  readonly firstBytes: Uint8Array
  readonly nullable: boolean
  /**
   * A JS regex source with the same semantics, or null. Set only when the pattern has no `|`,
   * every quantifier applies to a single-byte matcher, and `^` appears only as the first byte.
   * Then libstdc++'s DFS stops at its first accepting path, which is the one JS backtracking finds
   * first too (same greedy order, no alternatives to compare, no empty loop iterations), and in
   * `split` an empty match can never hide a non-empty one at the same position.
   */
  readonly fastSource: string | null
}

// ---------------------------------------------------------------------------------------------
// Character classes of the "C" locale.

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a
const isAlpha = (c: number): boolean => isUpper(c) || isLower(c)
const isAlnum = (c: number): boolean => isAlpha(c) || isDigit(c)
const isGraph = (c: number): boolean => c >= 0x21 && c <= 0x7e
const isSpace = (c: number): boolean => (c >= 9 && c <= 13) || c === 32

/** regex_traits::lookup_classname (names are lowercased first). */
const CLASS_TESTS: Record<string, (c: number) => boolean> = {
  d: isDigit,
  w: (c) => isAlnum(c) || c === 0x5f,
  s: isSpace,
  alnum: isAlnum,
  alpha: isAlpha,
  blank: (c) => c === 9 || c === 32,
  cntrl: (c) => c < 32 || c === 127,
  digit: isDigit,
  graph: isGraph,
  lower: isLower,
  print: (c) => c >= 0x20 && c <= 0x7e,
  punct: (c) => isGraph(c) && !isAlnum(c),
  space: isSpace,
  upper: isUpper,
  xdigit: (c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
}

/** POSIX portable character set names, indexed by their code (regex_traits::lookup_collatename). */
const COLLATE_NAMES: readonly string[] = [
  'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'alert', 'backspace', 'tab', 'newline',
  'vertical-tab', 'form-feed', 'carriage-return', 'SO', 'SI', 'DLE', 'DC1', 'DC2', 'DC3', 'DC4',
  'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'IS4', 'IS3', 'IS2', 'IS1', 'space',
  'exclamation-mark', 'quotation-mark', 'number-sign', 'dollar-sign', 'percent-sign', 'ampersand',
  'apostrophe', 'left-parenthesis', 'right-parenthesis', 'asterisk', 'plus-sign', 'comma', 'hyphen',
  'period', 'slash', 'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'colon', 'semicolon', 'less-than-sign', 'equals-sign', 'greater-than-sign', 'question-mark',
  'commercial-at', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'left-square-bracket', 'backslash',
  'right-square-bracket', 'circumflex', 'underscore', 'grave-accent', ...'abcdefghijklmnopqrstuvwxyz',
  'left-curly-bracket', 'vertical-line', 'right-curly-bracket', 'tilde', 'DEL',
]

const toLower = (c: number): number => (isUpper(c) ? c + 32 : c)
/** A byte as C's (signed) char, as libstdc++ compares range ends. */
const signedChar = (c: number): number => (c >= 128 ? c - 256 : c)

const fail = (why: string): never => {
  throw new RegexCompileError('invalid', why)
}

// ---------------------------------------------------------------------------------------------
// Scanner (libstdc++'s _Scanner in extended mode).

const T = {
  anychar: 0, ordChar: 1, subBegin: 5, subEnd: 8, bracketBegin: 9, bracketNegBegin: 10, bracketEnd: 11,
  intervalBegin: 12, intervalEnd: 13, charClassName: 15, collSymbol: 16, equivClassName: 17, opt: 18,
  or: 19, closure0: 20, closure1: 21, lineBegin: 22, lineEnd: 23, comma: 25, dupCount: 26, eof: 27,
  bracketDash: 28,
} as const
type Token = (typeof T)[keyof typeof T]

/** Bytes that are special outside brackets in extended syntax (NUL too: C's strchr finds it). */
const SPECIAL = '.[\\()*+?{|^$\0'

const ST = { normal: 0, brace: 1, bracket: 2 } as const

class Scanner {
  private pos = 0
  private state: number = ST.normal
  private atBracketStart = false
  token: Token = T.eof
  value = ''
  private readonly re: string
  constructor(re: string) {
    this.re = re
    this.advance()
  }

  advance(): void {
    if (this.pos === this.re.length) {
      this.token = T.eof
      return
    }
    if (this.state === ST.normal) this.scanNormal()
    else if (this.state === ST.bracket) this.scanBracket()
    else this.scanBrace()
  }

  private scanNormal(): void {
    const re = this.re
    let c = re[this.pos++]!
    if (!SPECIAL.includes(c)) {
      this.token = T.ordChar
      this.value = c
      return
    }
    if (c === '\\') {
      if (this.pos === re.length) fail('trailing backslash')
      c = re[this.pos]!
      // Only special bytes can be escaped (strict ANSI build); NUL is not one of them here.
      if (c === '\0' || !SPECIAL.includes(c)) fail(`invalid escape '\\${c}'`)
      this.pos++
      this.token = T.ordChar
      this.value = c
      return
    }
    switch (c) {
      case '(': this.token = T.subBegin; return
      case ')': this.token = T.subEnd; return
      case '[':
        this.state = ST.bracket
        this.atBracketStart = true
        if (this.pos < re.length && re[this.pos] === '^') {
          this.token = T.bracketNegBegin
          this.pos++
        } else this.token = T.bracketBegin
        return
      case '{':
        this.state = ST.brace
        this.token = T.intervalBegin
        return
      case '\0': return fail('NUL byte in pattern')
      case '^': this.token = T.lineBegin; return
      case '$': this.token = T.lineEnd; return
      case '.': this.token = T.anychar; return
      case '*': this.token = T.closure0; return
      case '+': this.token = T.closure1; return
      case '?': this.token = T.opt; return
      default: this.token = T.or // '|'
    }
  }

  private scanBracket(): void {
    const re = this.re
    const c = re[this.pos++]!
    if (c === '-') this.token = T.bracketDash
    else if (c === '[') {
      if (this.pos === re.length) fail("incomplete '[['")
      const d = re[this.pos]!
      if (d === '.' || d === ':' || d === '=') {
        this.pos++
        this.token = d === '.' ? T.collSymbol : d === ':' ? T.charClassName : T.equivClassName
        this.eatClass(d)
      } else {
        this.token = T.ordChar
        this.value = c
      }
    } else if (c === ']' && !this.atBracketStart) {
      this.token = T.bracketEnd
      this.state = ST.normal
    } else {
      this.token = T.ordChar
      this.value = c
    }
    this.atBracketStart = false
  }

  private eatClass(ch: string): void {
    const re = this.re
    const close = re.indexOf(ch, this.pos)
    if (close < 0 || close + 1 >= re.length || re[close + 1] !== ']') fail(`unterminated '[${ch}'`)
    this.value = re.slice(this.pos, close)
    this.pos = close + 2
  }

  private scanBrace(): void {
    const re = this.re
    const c = re[this.pos++]!
    if (isDigit(c.charCodeAt(0))) {
      let j = this.pos
      while (j < re.length && isDigit(re.charCodeAt(j))) j++
      this.token = T.dupCount
      this.value = re.slice(this.pos - 1, j)
      this.pos = j
    } else if (c === ',') this.token = T.comma
    else if (c === '}') {
      this.state = ST.normal
      this.token = T.intervalEnd
    } else fail('bad brace expression')
  }
}

// ---------------------------------------------------------------------------------------------
// NFA builder (libstdc++'s _NFA and _StateSeq).

interface Seq {
  start: number
  end: number
  /** JS source equivalent to this piece, or null when the fast path is ruled out. */
  js: string | null
  /** The piece is one byte matcher (so a quantifier on it is JS-compatible). */
  single: boolean
}

class Nfa {
  op: number[] = []
  next: number[] = []
  alt: number[] = []
  arg: number[] = []
  sets: Uint8Array[] = []
  subCount = 0
  parenStack: number[] = []

  insert(op: number, next = -1, alt = -1, arg = 0): number {
    this.op.push(op)
    this.next.push(next)
    this.alt.push(alt)
    this.arg.push(arg)
    if (this.op.length > REGEX_STATE_LIMIT) {
      throw new RegexCompileError('space', 'number of NFA states exceeds limit')
    }
    return this.op.length - 1
  }

  hasAlt(s: number): boolean {
    const o = this.op[s]
    return o === OP.alternative || o === OP.repeat
  }

  insertSubBegin(): number {
    const id = this.subCount++
    this.parenStack.push(id)
    return this.insert(OP.subBegin, -1, -1, id)
  }

  insertSubEnd(): number {
    return this.insert(OP.subEnd, -1, -1, this.parenStack.pop()!)
  }

  insertMatcher(set: Uint8Array): number {
    this.sets.push(set)
    return this.insert(OP.match, -1, -1, this.sets.length - 1)
  }

  append(seq: Seq, id: number): void {
    this.next[seq.end] = id
    seq.end = id
  }

  appendSeq(seq: Seq, s: Seq): void {
    this.next[seq.end] = s.start
    seq.end = s.end
  }

  /** _StateSeq::_M_clone: copy the states reachable from `seq.start` (not past `seq.end`). */
  clone(seq: Seq): Seq {
    const map = new Map<number, number>()
    const stack = [seq.start]
    while (stack.length > 0) {
      const u = stack.pop()!
      const id = this.insert(this.op[u]!, this.next[u]!, this.alt[u]!, this.arg[u]!)
      map.set(u, id)
      const a = this.alt[u]!
      if (this.hasAlt(u) && a !== -1 && !map.has(a)) stack.push(a)
      if (u === seq.end) continue
      const n = this.next[u]!
      if (n !== -1 && !map.has(n)) stack.push(n)
    }
    for (const v of map.values()) {
      const n = this.next[v]!
      if (n !== -1) this.next[v] = map.get(n) ?? n
      if (this.hasAlt(v)) {
        const a = this.alt[v]!
        if (a !== -1) this.alt[v] = map.get(a) ?? a
      }
    }
    return { start: map.get(seq.start)!, end: map.get(seq.end)!, js: seq.js, single: seq.single }
  }

  /** Which bytes the paths from `start` can consume first; `nullable` if one reaches accept first. */
  firstBytes(start: number): { firstBytes: Uint8Array; nullable: boolean } {
    const firstBytes = new Uint8Array(256)
    let nullable = false
    const seen = new Set<number>()
    const todo = [start]
    while (todo.length > 0) {
      const s = todo.pop()!
      if (s < 0 || seen.has(s)) continue
      seen.add(s)
      const o = this.op[s]
      if (o === OP.match) {
        const set = this.sets[this.arg[s]!]!
        for (let c = 0; c < 256; c++) firstBytes[c]! |= set[c]!
      } else if (o === OP.accept) nullable = true
      else {
        todo.push(this.next[s]!)
        if (this.hasAlt(s)) todo.push(this.alt[s]!)
      }
    }
    return { firstBytes, nullable }
  }

  /** _M_eliminate_dummy: route every link past dummy states. */
  eliminateDummies(): void {
    const { op, next, alt } = this
    for (let s = 0; s < op.length; s++) {
      while (next[s]! >= 0 && op[next[s]!] === OP.dummy) next[s] = next[next[s]!]!
      if (this.hasAlt(s)) while (alt[s]! >= 0 && op[alt[s]!] === OP.dummy) alt[s] = next[alt[s]!]!
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compiler (libstdc++'s _Compiler for extended syntax).

const hex2 = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`

/** A JS character class matching exactly the bytes in `set`. */
function jsClass(set: Uint8Array): string {
  let out = ''
  let count = 0
  for (let c = 0; c < 256; c++) {
    if (set[c] !== 1) continue
    let d = c
    while (d + 1 < 256 && set[d + 1] === 1) d++
    out += d === c ? hex2(c) : `${hex2(c)}-${hex2(d)}`
    count += d - c + 1
    c = d
  }
  if (count === 0) return '[^\\s\\S]'
  if (count === 1 && !out.includes('-')) return out
  return `[${out}]`
}

class Compiler {
  private readonly sc: Scanner
  private readonly nfa = new Nfa()
  private readonly stack: Seq[] = []
  /** The fast path stays possible while this is true. */
  private jsOk = true
  private value = ''
  private readonly re: string

  constructor(re: string) {
    this.re = re
    this.sc = new Scanner(re)
  }

  private matchToken(t: Token): boolean {
    if (this.sc.token !== t) return false
    this.value = this.sc.value
    this.sc.advance()
    return true
  }

  private pop(): Seq {
    return this.stack.pop()!
  }

  private seq(start: number, end = start, js: string | null = '', single = false): Seq {
    return { start, end, js, single }
  }

  compile(): RegexProgram {
    const nfa = this.nfa
    const r = this.seq(0)
    nfa.insertSubBegin() // state 0, the implicit group 0
    this.disjunction()
    if (!this.matchToken(T.eof)) fail("unmatched ')' or unexpected token")
    const body = this.pop()
    nfa.appendSeq(r, body)
    nfa.append(r, nfa.insertSubEnd())
    nfa.append(r, nfa.insert(OP.accept))
    nfa.eliminateDummies()
    const { firstBytes, nullable } = nfa.firstBytes(0)
    return {
      firstBytes,
      nullable,
      op: Int8Array.from(nfa.op),
      next: Int32Array.from(nfa.next),
      alt: Int32Array.from(nfa.alt),
      arg: Int32Array.from(nfa.arg),
      sets: nfa.sets,
      groups: nfa.subCount,
      start: 0,
      fastSource: this.jsOk && body.js !== null ? body.js : null,
    }
  }

  private disjunction(): void {
    this.alternative()
    while (this.matchToken(T.or)) {
      this.jsOk = false
      const alt1 = this.pop()
      this.alternative()
      const alt2 = this.pop()
      const end = this.nfa.insert(OP.dummy)
      this.nfa.append(alt1, end)
      this.nfa.append(alt2, end)
      const a = this.nfa.insert(OP.alternative, alt2.start, alt1.start)
      this.stack.push(this.seq(a, end, null))
    }
  }

  /** A concatenation of terms (iterative form of libstdc++'s right recursion). */
  private alternative(): void {
    const terms: Seq[] = []
    while (this.term()) terms.push(this.pop())
    const tail = this.seq(this.nfa.insert(OP.dummy))
    let whole = tail
    if (terms.length > 0) {
      whole = terms[0]!
      for (let i = 1; i < terms.length; i++) this.nfa.appendSeq(whole, terms[i]!)
      this.nfa.appendSeq(whole, tail)
      let js: string | null = ''
      for (const t of terms) js = js === null || t.js === null ? null : js + t.js
      whole.js = js
      whole.single = terms.length === 1 && terms[0]!.single
    }
    this.stack.push(whole)
  }

  private term(): boolean {
    if (this.assertion()) return true
    if (this.atom()) {
      while (this.quantifier());
      return true
    }
    return false
  }

  private assertion(): boolean {
    if (this.sc.token === T.lineBegin) {
      // The fast path allows `^` only as the very first byte of the pattern.
      if (this.re.length === 0 || this.re[0] !== '^' || this.nfa.op.length !== 1) this.jsOk = false
      this.matchToken(T.lineBegin)
      this.stack.push(this.seq(this.nfa.insert(OP.lineBegin), undefined, '^'))
      return true
    }
    if (this.matchToken(T.lineEnd)) {
      this.stack.push(this.seq(this.nfa.insert(OP.lineEnd), undefined, '$'))
      return true
    }
    return false
  }

  private quantifier(): boolean {
    const nfa = this.nfa
    if (this.matchToken(T.closure0)) {
      const e = this.pop()
      const r = this.seq(nfa.insert(OP.repeat, -1, e.start), undefined, this.quantJs(e, '*'))
      nfa.appendSeq(e, r)
      this.stack.push(r)
    } else if (this.matchToken(T.closure1)) {
      const e = this.pop()
      nfa.append(e, nfa.insert(OP.repeat, -1, e.start))
      e.js = this.quantJs(e, '+')
      e.single = false
      this.stack.push(e)
    } else if (this.matchToken(T.opt)) {
      const e = this.pop()
      const end = nfa.insert(OP.dummy)
      const r = this.seq(nfa.insert(OP.repeat, -1, e.start), undefined, this.quantJs(e, '?'))
      nfa.append(e, end)
      nfa.append(r, end)
      this.stack.push(r)
    } else if (this.matchToken(T.intervalBegin)) {
      if (!this.matchToken(T.dupCount)) fail('bad brace expression')
      const r = this.pop()
      const e = this.seq(nfa.insert(OP.dummy))
      const min = this.intValue()
      let infinite = false
      let n = 0
      let maxText = ''
      if (this.matchToken(T.comma)) {
        if (this.matchToken(T.dupCount)) {
          n = (this.intValue() - min) | 0
          maxText = String(n + min)
        } else infinite = true
      }
      if (!this.matchToken(T.intervalEnd)) fail('unterminated brace expression')
      for (let i = 0; i < min; i++) nfa.appendSeq(e, nfa.clone(r))
      if (infinite) {
        const tmp = nfa.clone(r)
        const s = this.seq(nfa.insert(OP.repeat, -1, tmp.start))
        nfa.appendSeq(tmp, s)
        nfa.appendSeq(e, s)
      } else {
        if (n < 0) fail('bad brace range')
        const end = nfa.insert(OP.dummy)
        const repeats: number[] = []
        for (let i = 0; i < n; i++) {
          const tmp = nfa.clone(r)
          const a = nfa.insert(OP.repeat, tmp.start, end)
          repeats.push(a)
          nfa.appendSeq(e, this.seq(a, tmp.end))
        }
        nfa.append(e, end)
        for (const a of repeats) {
          const t = nfa.next[a]!
          nfa.next[a] = nfa.alt[a]!
          nfa.alt[a] = t
        }
      }
      const quant = infinite ? `{${min},}` : maxText === '' ? `{${min}}` : `{${min},${maxText}}`
      e.js = min < 0 ? null : this.quantJs(r, quant)
      this.stack.push(e)
    } else return false
    return true
  }

  /** JS source for a quantified piece, or null (and no fast path) unless it is one byte matcher. */
  private quantJs(e: Seq, q: string): string | null {
    if (!e.single || e.js === null) {
      this.jsOk = false
      return null
    }
    return e.js + q
  }

  /** _M_cur_int_value(10): accumulate in a 64-bit long, return it as a 32-bit int. */
  private intValue(): number {
    let v = 0n
    for (const ch of this.value) v = BigInt.asIntN(64, v * 10n + BigInt(ch.charCodeAt(0) - 0x30))
    return Number(BigInt.asIntN(32, v))
  }

  private atom(): boolean {
    const nfa = this.nfa
    if (this.matchToken(T.anychar)) {
      const set = new Uint8Array(256).fill(1)
      set[0] = 0
      this.stack.push(this.seq(nfa.insertMatcher(set), undefined, '[^\\x00]', true))
    } else if (this.matchToken(T.ordChar)) {
      const set = new Uint8Array(256)
      set[this.value.charCodeAt(0)] = 1
      this.stack.push(this.seq(nfa.insertMatcher(set), undefined, jsClass(set), true))
    } else if (this.matchToken(T.subBegin)) {
      const r = this.seq(nfa.insertSubBegin())
      this.disjunction()
      if (!this.matchToken(T.subEnd)) fail("unmatched '('")
      const body = this.pop()
      nfa.appendSeq(r, body)
      nfa.append(r, nfa.insertSubEnd())
      r.js = body.js === null ? null : `(${body.js})`
      this.stack.push(r)
    } else if (!this.bracketExpression()) return false
    return true
  }

  private bracketExpression(): boolean {
    const neg = this.matchToken(T.bracketNegBegin)
    if (!neg && !this.matchToken(T.bracketBegin)) return false
    const b = new Bracket()
    // last: null = none, a string = a pending char, CLASS = a class/equivalence was last
    const st: { last: string | typeof CLASS | null } = { last: null }
    if (this.matchToken(T.ordChar)) st.last = this.value
    else if (this.matchToken(T.bracketDash)) st.last = '-'
    for (;;) {
      if (this.matchToken(T.bracketEnd)) break
      const pushChar = (c: string): void => {
        if (typeof st.last === 'string') b.chars.push(st.last)
        st.last = c
      }
      const pushClass = (): void => {
        if (typeof st.last === 'string') b.chars.push(st.last)
        st.last = CLASS
      }
      if (this.matchToken(T.collSymbol)) {
        const code = COLLATE_NAMES.indexOf(this.value)
        if (code < 0) fail(`invalid collating element '${this.value}'`)
        const c = String.fromCharCode(code)
        b.chars.push(c)
        pushChar(c)
      } else if (this.matchToken(T.equivClassName)) {
        pushClass()
        const code = COLLATE_NAMES.indexOf(this.value)
        if (code < 0) fail(`invalid equivalence class '${this.value}'`)
        b.equiv.push(toLower(code))
      } else if (this.matchToken(T.charClassName)) {
        pushClass()
        const name = this.value.replace(/[A-Z]/g, (x) => x.toLowerCase())
        if (!Object.hasOwn(CLASS_TESTS, name)) fail(`invalid character class '${this.value}'`)
        b.classes.push(CLASS_TESTS[name]!)
      } else if (this.matchToken(T.ordChar)) pushChar(this.value)
      else if (this.matchToken(T.bracketDash)) {
        if (this.matchToken(T.bracketEnd)) {
          pushChar('-')
          break
        }
        if (st.last === CLASS) fail("invalid start of '[x-x]' range")
        if (typeof st.last === 'string') {
          let hi: string
          if (this.matchToken(T.ordChar)) hi = this.value
          else if (this.matchToken(T.bracketDash)) hi = '-'
          else return fail("invalid end of '[x-x]' range")
          const lo = signedChar(st.last.charCodeAt(0))
          const h = signedChar(hi.charCodeAt(0))
          if (lo > h) fail('invalid range in bracket expression')
          b.ranges.push([lo, h])
          st.last = null
        } else fail("invalid location of '-' within '[...]'")
      } else fail("unexpected character within '[...]'")
    }
    if (typeof st.last === 'string') b.chars.push(st.last)
    const set = b.toSet(neg)
    this.stack.push(this.seq(this.nfa.insertMatcher(set), undefined, jsClass(set), true))
    return true
  }
}

const CLASS = Symbol('class')

/** _BracketMatcher, evaluated into its 256-entry cache. */
class Bracket {
  chars: string[] = []
  ranges: [number, number][] = []
  classes: ((c: number) => boolean)[] = []
  equiv: number[] = []

  toSet(neg: boolean): Uint8Array {
    const set = new Uint8Array(256)
    const chars = new Set(this.chars.map((c) => c.charCodeAt(0)))
    for (let c = 0; c < 256; c++) {
      const sc = signedChar(c)
      const hit = chars.has(c)
        || this.ranges.some(([lo, hi]) => lo <= sc && sc <= hi)
        || this.classes.some((t) => t(c))
        || this.equiv.includes(toLower(c))
      set[c] = hit !== neg ? 1 : 0
    }
    return set
  }
}

/**
 * Compile a pattern the way `std::regex(re, std::regex::extended)` does.
 * @throws RegexCompileError when std::regex would throw (code `space` for its state limit).
 */
export function compileProgram(re: string): RegexProgram {
  return new Compiler(re).compile()
}
