/**
 * A recursive-descent parser for the Nix language with the grammar, precedences and
 * desugarings of Nix 2.8's parser.y. Every node carries its position.
 */
import { bodyOf, showExpr, showId, type AttrDef, type AttrName, type Expr, type ExprAttrs, type ExprLambda, type Formal, type Formals } from './ast.js'
import { NixSyntaxError } from './errors.js'
import { intValue, lexer, type Token, type TokenKind } from './lexer.js'
import { parseNative } from './native-parse.js'
import { canonPath, showPos, type PosIdx, type Source } from './source.js'
import { sortBySymbol, symbolId } from './symbols.js'

/** Options of the parser that depend on the environment. */
export interface ParseOptions {
  /** $HOME, for `~/…` paths. */
  home?: string
  /**
   * Use the native parser (`@tsnix/native`, when built): true always, false never; by default
   * for sources of `NATIVE_MIN_LENGTH` bytes or more. It falls back to this one on any error.
   */
  native?: boolean
  /**
   * Let the native parser leave large lambda bodies undecoded (`LazyExpr`, read through
   * `bodyOf`) until something reads them: the evaluator's compiler then builds the tree a body
   * at a time.
   */
  lazyBodies?: boolean
  /**
   * The names bound around the source (an evaluator's built-ins). With `lazyBodies`, when
   * every free variable of a natively parsed source is one of these, its lazy bodies are
   * `closed`: no variable in them can be undefined, so the compiler may wait until a function
   * is called to compile its body.
   */
  boundOutside?: (name: string) => boolean
}

/**
 * Sources from this size on go to the native parser by default: loading it costs ≈ 3 ms once,
 * and it parses an 8 KiB file in 2 ms where the TS parser, cold, needs 10 ms (36 KiB: 13 vs 43).
 */
const NATIVE_MIN_LENGTH = 16 * 1024

/** Binary operator precedences and associativity (parser.y %left/%right/%nonassoc). */
const BINOPS: Partial<Record<TokenKind, { prec: number; assoc: 'left' | 'right' | 'none' }>> = {
  '->': { prec: 1, assoc: 'right' },
  '||': { prec: 2, assoc: 'left' },
  '&&': { prec: 3, assoc: 'left' },
  '==': { prec: 4, assoc: 'none' },
  '!=': { prec: 4, assoc: 'none' },
  '<': { prec: 5, assoc: 'none' },
  '>': { prec: 5, assoc: 'none' },
  '<=': { prec: 5, assoc: 'none' },
  '>=': { prec: 5, assoc: 'none' },
  '//': { prec: 6, assoc: 'right' },
  '+': { prec: 8, assoc: 'left' },
  '-': { prec: 8, assoc: 'left' },
  '*': { prec: 9, assoc: 'left' },
  '/': { prec: 9, assoc: 'left' },
  '++': { prec: 10, assoc: 'right' },
  '?': { prec: 11, assoc: 'none' },
}
const PREC_NOT = 7
const PREC_NEGATE = 12

const TOKEN_NAMES: Partial<Record<TokenKind, string>> = {
  ID: 'ID', INT: 'INT', FLOAT: 'FLOAT', PATH: 'PATH', HPATH: 'HPATH', SPATH: 'SPATH', URI: 'URI',
  STR: 'STR', IND_STR: 'IND_STR', DOLLAR_CURLY: 'DOLLAR_CURLY', IND_OPEN: 'IND_STRING_OPEN',
  IND_CLOSE: 'IND_STRING_CLOSE', PATH_END: 'PATH_END', EOF: 'end of file', if: 'IF', then: 'THEN',
  else: 'ELSE', assert: 'ASSERT', with: 'WITH', let: 'LET', in: 'IN', rec: 'REC', inherit: 'INHERIT',
  or: 'OR_KW', '...': 'ELLIPSIS', '==': 'EQ', '!=': 'NEQ', '<=': 'LEQ', '>=': 'GEQ', '&&': 'AND',
  '||': 'OR', '->': 'IMPL', '//': 'UPDATE', '++': 'CONCAT',
}

/** The characters Nix's grammar names as tokens; bison calls any other character "invalid token". */
const GRAMMAR_CHARS = new Set('{}()[];:.,@?=<>+-*/!"')

function tokenName(t: Token): string {
  const n = TOKEN_NAMES[t.t]
  if (n !== undefined) return n
  if (t.t === 'CHAR') return GRAMMAR_CHARS.has(t.v) ? `'${t.v}'` : 'invalid token'
  return `'${t.t}'`
}

/** Size of the parser's lookahead ring (a power of two; it looks at most 4 tokens ahead). */
const LOOKAHEAD = 8

class Parser {
  /** The token source, and the tokens looked ahead at: a ring of `count` from `head`. */
  private readonly lex: () => Token
  private readonly ahead: Array<Token | undefined> = new Array(LOOKAHEAD).fill(undefined)
  private head = 0
  private count = 0
  /** One (immutable) attribute-path component per static name, shared by the whole tree. */
  private readonly staticNames = new Map<string, AttrName>()
  private readonly src: Source
  private readonly home: string
  /** The source's position base. */
  private readonly base: number

  constructor(src: Source, options: ParseOptions) {
    this.src = src
    this.lex = lexer(src)
    this.home = options.home ?? '/'
    this.base = src.base
  }

  private peek(k = 0): Token {
    const a = this.ahead
    while (this.count <= k) a[(this.head + this.count++) & (LOOKAHEAD - 1)] = this.lex()
    return a[(this.head + k) & (LOOKAHEAD - 1)]!
  }
  private next(): Token {
    if (this.count === 0) return this.lex()
    const t = this.ahead[this.head]!
    this.head = (this.head + 1) & (LOOKAHEAD - 1)
    this.count--
    return t
  }
  private pos(t: Token): PosIdx {
    return this.base + t.off
  }
  private fail(t: Token, expecting?: string): never {
    const what = t.t === 'EOF' ? 'end of file' : tokenName(t)
    throw new NixSyntaxError(`syntax error, unexpected ${what}${expecting !== undefined ? `, expecting ${expecting}` : ''}`, this.pos(t))
  }
  private expect(k: TokenKind, name?: string): Token {
    const t = this.peek()
    if (t.t !== k) this.fail(t, name ?? (TOKEN_NAMES[k] ?? `'${k}'`))
    return this.next()
  }

  parseTop(): Expr {
    const e = this.parseExpr()
    if (this.peek().t !== 'EOF') this.fail(this.peek(), 'end of file')
    return e
  }

  parseExpr(): Expr {
    const t = this.peek()
    switch (t.t) {
      case 'ID':
        if (this.peek(1).t === ':') {
          this.next(); this.next()
          const body = this.parseExpr()
          return { k: 'lambda', arg: t.v, formals: undefined, body, pos: this.pos(t), name: undefined }
        }
        if (this.peek(1).t === '@') {
          this.next(); this.next()
          this.expect('{')
          const formals = this.parseFormals()
          this.expect('}')
          this.expect(':')
          const body = this.parseExpr()
          return this.mkLambda(t, t.v, formals, body)
        }
        break
      case '{':
        if (this.looksLikeFormals()) {
          this.next()
          const formals = this.parseFormals()
          this.expect('}')
          let arg: string | undefined
          if (this.peek().t === '@') {
            this.next()
            arg = this.expect('ID').v
          }
          this.expect(':')
          const body = this.parseExpr()
          return this.mkLambda(t, arg, formals, body)
        }
        break
      case 'assert': {
        this.next()
        const cond = this.parseExpr()
        this.expect(';')
        return { k: 'assert', cond, body: this.parseExpr(), pos: this.pos(t) }
      }
      case 'with': {
        this.next()
        const attrs = this.parseExpr()
        this.expect(';')
        return { k: 'with', attrs, body: this.parseExpr(), pos: this.pos(t) }
      }
      case 'let':
        if (this.peek(1).t !== '{') {
          this.next()
          const attrs = this.parseBinds(t, 'in')
          this.expect('in')
          if (attrs.dyn.length > 0) throw new NixSyntaxError('dynamic attributes not allowed in let', this.pos(t))
          return { k: 'let', attrs, body: this.parseExpr(), pos: this.pos(t) }
        }
        break
      default:
    }
    return this.parseIf()
  }

  private mkLambda(t: Token, arg: string | undefined, formals: Formals, body: Expr): ExprLambda {
    // in symbol order, as Nix keeps them
    const sorted = formals.formals
    sortBySymbol(sorted)
    for (let j = 0; j + 1 < sorted.length; j++) {
      const dup = sorted[j + 1]!
      if (sorted[j]!.name === dup.name) throw new NixSyntaxError(`duplicate formal function argument '${dup.name}'`, dup.pos)
    }
    if (arg !== undefined && sorted.some((f) => f.name === arg)) {
      throw new NixSyntaxError(`duplicate formal function argument '${arg}'`, this.pos(t))
    }
    return { k: 'lambda', arg, formals, body, pos: this.pos(t), name: undefined }
  }

  /** After `{`: is this a formals list (a function) rather than an attribute set? */
  private looksLikeFormals(): boolean {
    const a = this.peek(1)
    if (a.t === '}') {
      const b = this.peek(2)
      return b.t === ':' || b.t === '@'
    }
    if (a.t === '...') return true
    if (a.t === 'ID') {
      const b = this.peek(2)
      if (b.t === ',' || b.t === '?') return true
      if (b.t === '}') {
        const c = this.peek(3)
        return c.t === ':' || c.t === '@'
      }
    }
    return false
  }

  private parseFormals(): Formals {
    const formals: Formal[] = []
    let ellipsis = false
    for (;;) {
      const t = this.peek()
      if (t.t === '...') { this.next(); ellipsis = true; break }
      if (t.t !== 'ID') break
      this.next()
      let def: Expr | undefined
      if (this.peek().t === '?') { this.next(); def = this.parseExpr() }
      formals.push({ name: t.v, def, pos: this.pos(t) })
      if (this.peek().t !== ',') break
      this.next()
    }
    // (copies of lists built with push: V8 leaves room for 16 more elements, and syntax trees
    // live long)
    return { formals: formals.slice(), ellipsis }
  }

  private parseIf(): Expr {
    const t = this.peek()
    if (t.t === 'if') {
      this.next()
      const cond = this.parseExpr()
      this.expect('then')
      const th = this.parseExpr()
      this.expect('else')
      const el = this.parseExpr()
      return { k: 'if', cond, then: th, else: el, pos: this.pos(t) }
    }
    return this.parseOp(0)
  }

  private parseOp(minPrec: number): Expr {
    const start = this.peek()
    let left: Expr
    if (start.t === '!') {
      this.next()
      left = { k: 'not', e: this.parseOp(PREC_NOT + 1), pos: this.pos(start) }
      left = this.continueOps(left, start, Math.max(minPrec, 0))
      return left
    }
    if (start.t === '-') {
      this.next()
      const operand = this.parseOp(PREC_NEGATE + 1)
      const p = this.pos(start)
      left = { k: 'call', fn: { k: 'var', name: '__sub', pos: p }, args: [{ k: 'int', v: 0, pos: p }, operand], pos: p }
    } else {
      left = this.parseApp()
    }
    return this.continueOps(left, start, minPrec)
  }

  private continueOps(left: Expr, start: Token, minPrec: number): Expr {
    let lastNonAssoc = -1
    for (;;) {
      const opTok = this.peek()
      const op = BINOPS[opTok.t]
      if (op === undefined || op.prec < minPrec) return left
      if (op.assoc === 'none' && op.prec === lastNonAssoc) this.fail(opTok)
      this.next()
      const p = this.pos(start)
      if (opTok.t === '?') {
        // `e ? a.b`: the right side is an attribute path, not an expression, so `?` chains
        // (`x ? a ? b` is `(x ? a) ? b` in Nix's grammar, whatever its %nonassoc says)
        left = { k: 'has', e: left, path: this.parseAttrPath(), pos: p }
        lastNonAssoc = -1
        continue
      }
      const rhsStart = this.peek()
      const right = this.parseOp(op.assoc === 'right' ? op.prec : op.prec + 1)
      const call = (name: string, a: Expr, b: Expr): Expr =>
        ({ k: 'call', fn: { k: 'var', name, pos: p }, args: [a, b], pos: p })
      switch (opTok.t) {
        case '->': left = { k: 'impl', a: left, b: right, pos: p }; break
        case '||': left = { k: 'or', a: left, b: right, pos: p }; break
        case '&&': left = { k: 'and', a: left, b: right, pos: p }; break
        case '==': left = { k: 'eq', a: left, b: right, pos: p }; break
        case '!=': left = { k: 'neq', a: left, b: right, pos: p }; break
        case '<': left = call('__lessThan', left, right); break
        case '>': left = call('__lessThan', right, left); break
        case '<=': left = { k: 'not', e: call('__lessThan', right, left), pos: p }; break
        case '>=': left = { k: 'not', e: call('__lessThan', left, right), pos: p }; break
        case '//': left = { k: 'update', a: left, b: right, pos: p }; break
        case '+':
          left = { k: 'concatStrings', forceString: false, parts: [{ pos: p, e: left }, { pos: this.pos(rhsStart), e: right }], pos: p }
          break
        case '-': left = call('__sub', left, right); break
        case '*': left = call('__mul', left, right); break
        case '/': left = call('__div', left, right); break
        case '++': left = { k: 'concat', a: left, b: right, pos: p }; break
        default: this.fail(opTok)
      }
      lastNonAssoc = op.assoc === 'none' ? op.prec : -1
    }
  }

  private startsSelect(t: Token): boolean {
    switch (t.t) {
      case 'ID': case 'INT': case 'FLOAT': case '"': case 'IND_OPEN': case 'PATH': case 'HPATH':
      // (`let` here can only be the legacy `let { … }`: like bison, decide on `let` alone, so
      // `f let x` fails expecting '{')
      case 'SPATH': case 'URI': case '(': case 'rec': case '{': case '[': case 'let':
        return true
      default:
        return false
    }
  }

  private parseApp(): Expr {
    const start = this.peek()
    const fn = this.parseSelect()
    if (!this.startsSelect(this.peek())) return fn
    const args: Expr[] = []
    while (this.startsSelect(this.peek())) args.push(this.parseSelect())
    if (fn.k === 'call') {
      fn.args = fn.args.concat(args)
      return fn
    }
    return { k: 'call', fn, args: args.slice(), pos: this.pos(start) }
  }

  private parseSelect(): Expr {
    const start = this.peek()
    const e = this.parseSimple()
    const p = this.pos(start)
    if (this.peek().t === '.') {
      this.next()
      const path = this.parseAttrPath()
      if (this.peek().t === 'or') {
        this.next()
        return { k: 'select', e, path, def: this.parseSelect(), pos: p }
      }
      return { k: 'select', e, path, def: undefined, pos: p }
    }
    if (this.peek().t === 'or') {
      // `e or` is `e` applied to a variable `or`, positioned (as in Nix) where `e` starts
      this.next()
      return { k: 'call', fn: e, args: [{ k: 'var', name: 'or', pos: p }], pos: p }
    }
    return e
  }

  private parseAttrPath(): AttrName[] {
    const path: AttrName[] = [this.parseAttrName()]
    while (this.peek().t === '.') {
      this.next()
      path.push(this.parseAttrName())
    }
    return path.length === 1 ? path : path.slice()
  }

  private staticName(name: string): AttrName {
    let a = this.staticNames.get(name)
    if (a === undefined) {
      this.staticNames.set(name, a = { name })
      symbolId(name) // a quoted name (`"a b" = …`) becomes a symbol here
    }
    return a
  }

  private parseAttrName(): AttrName {
    const t = this.peek()
    if (t.t === 'ID') { this.next(); return this.staticName(t.v) }
    if (t.t === 'or') { this.next(); return this.staticName('or') }
    if (t.t === '"') {
      this.next()
      const e = this.parseStringParts(t)
      this.expect('"', "'\"'")
      return e.k === 'str' ? this.staticName(e.v) : { expr: e }
    }
    if (t.t === 'DOLLAR_CURLY') {
      this.next()
      const e = this.parseExpr()
      this.expect('}', "'}'")
      return e.k === 'str' ? this.staticName(e.v) : { expr: e }
    }
    return this.fail(t, 'ID or OR_KW or DOLLAR_CURLY or \'"\'')
  }

  /** The parts of a "…" string, after the opening quote and up to (not including) the closing one. */
  private parseStringParts(open: Token): Expr {
    const parts: Array<{ pos: PosIdx; e: Expr }> = []
    let onlyLiteral = true
    for (;;) {
      const t = this.peek()
      if (t.t === 'STR') {
        this.next()
        parts.push({ pos: this.pos(t), e: { k: 'str', v: t.v, pos: this.pos(t) } })
      } else if (t.t === 'DOLLAR_CURLY') {
        this.next()
        const e = this.parseExpr()
        this.expect('}', "'}'")
        parts.push({ pos: this.pos(t), e })
        onlyLiteral = false
      } else break
    }
    if (parts.length === 0) return { k: 'str', v: '', pos: this.pos(open) }
    // a single STR token is a plain string; "${e}" stays a concatenation (it forces a string)
    if (parts.length === 1 && onlyLiteral) return parts[0]!.e
    return { k: 'concatStrings', forceString: true, parts: parts.slice(), pos: this.pos(open) }
  }

  private parseSimple(): Expr {
    const t = this.next()
    const p = this.pos(t)
    switch (t.t) {
      case 'ID':
        if (t.v === '__curPos') return { k: 'curpos', pos: p }
        return { k: 'var', name: t.v, pos: p }
      case 'INT': return { k: 'int', v: intValue(t.v)!, pos: p }
      case 'FLOAT': return { k: 'float', v: Number(t.v), pos: p }
      case '"': {
        const e = this.parseStringParts(t)
        this.expect('"', "'\"'")
        return e
      }
      case 'IND_OPEN': return this.parseIndString(t)
      case 'PATH': case 'HPATH': return this.parsePath(t)
      case 'SPATH': {
        const inner = t.v.slice(1, -1)
        return {
          k: 'call', fn: { k: 'var', name: '__findFile', pos: p },
          args: [{ k: 'var', name: '__nixPath', pos: p }, { k: 'str', v: inner, pos: p }], pos: p,
        }
      }
      case 'URI': return { k: 'str', v: t.v, pos: p }
      case '(': {
        const e = this.parseExpr()
        this.expect(')', "')'")
        return e
      }
      case 'let': {
        this.expect('{')
        const attrs = this.parseBinds(t, '}', true)
        this.expect('}', "'}'")
        return { k: 'select', e: attrs, path: [this.staticName('body')], def: undefined, pos: p }
      }
      case 'rec': {
        const open = this.expect('{')
        const attrs = this.parseBinds(open, '}', true)
        this.expect('}', "'}'")
        return attrs
      }
      case '{': {
        const attrs = this.parseBinds(t, '}')
        this.expect('}', "'}'")
        return attrs
      }
      case '[': {
        const elems: Expr[] = []
        while (this.peek().t !== ']') {
          if (!this.startsSelect(this.peek())) this.fail(this.peek())
          elems.push(this.parseSelect())
        }
        this.next()
        return { k: 'list', elems: elems.slice(), pos: p }
      }
      default:
        return this.fail(t)
    }
  }

  private parsePath(t: Token): Expr {
    const p = this.pos(t)
    let base: string
    if (t.t === 'HPATH') {
      base = this.home + t.v.slice(1)
    } else {
      base = canonPath(t.v, this.src.baseDir)
      if (t.v.endsWith('/') && t.v.length > 1) base += '/'
    }
    const first: Expr = { k: 'path', v: base, pos: p }
    const parts: Array<{ pos: PosIdx; e: Expr }> = []
    for (;;) {
      const n = this.next()
      if (n.t === 'PATH_END') break
      if (n.t === 'STR') {
        // Nix's grammar starts the parts with `${…}`, or with one STR and then `${…}` (`/a//b`
        // is a PATH `/a/`, then a STR `/b`: an error)
        if (parts.length === 0 && this.peek().t !== 'DOLLAR_CURLY') {
          const after = this.peek()
          // (Nix 2.8 reports a PATH_END where the STR before it is, or, at the end of the text,
          // where the path starts)
          const at = after.t !== 'PATH_END' ? after : after.off >= this.src.text.length ? t : n
          throw new NixSyntaxError(`syntax error, unexpected ${tokenName(after)}, expecting DOLLAR_CURLY`, this.pos(at))
        }
        parts.push({ pos: this.pos(n), e: { k: 'str', v: n.v, pos: this.pos(n) } })
      } else if (n.t === 'DOLLAR_CURLY') {
        const e = this.parseExpr()
        this.expect('}', "'}'")
        parts.push({ pos: this.pos(n), e })
      } else this.fail(n)
    }
    if (parts.length === 0) return first
    return { k: 'concatStrings', forceString: false, parts: [{ pos: p, e: first }, ...parts], pos: p }
  }

  private parseIndString(open: Token): Expr {
    type Part = { pos: PosIdx; e: Expr } | { pos: PosIdx; s: string; indent: boolean }
    const parts: Part[] = []
    for (;;) {
      const t = this.next()
      if (t.t === 'IND_CLOSE') break
      if (t.t === 'IND_STR') parts.push({ pos: this.pos(t), s: t.v, indent: t.indent === true })
      else if (t.t === 'DOLLAR_CURLY') {
        const e = this.parseExpr()
        this.expect('}', "'}'")
        parts.push({ pos: this.pos(t), e })
      } else this.fail(t, 'IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE')
    }
    const p = this.pos(open)
    if (parts.length === 0) return { k: 'str', v: '', pos: p }
    // minimum indentation, over lines that are not whitespace-only
    let atStart = true
    let minIndent = 1000000
    let cur = 0
    for (const part of parts) {
      if (!('s' in part) || !part.indent) {
        if (atStart) { atStart = false; if (cur < minIndent) minIndent = cur }
        continue
      }
      for (const c of part.s) {
        if (atStart) {
          if (c === ' ') cur++
          else if (c === '\n') cur = 0
          else { atStart = false; if (cur < minIndent) minIndent = cur }
        } else if (c === '\n') { atStart = true; cur = 0 }
      }
    }
    // strip
    const out: Array<{ pos: PosIdx; e: Expr }> = []
    atStart = true
    let dropped = 0
    for (let j = 0; j < parts.length; j++) {
      const part = parts[j]!
      if (!('s' in part)) {
        atStart = false; dropped = 0
        out.push(part)
        continue
      }
      let s2 = ''
      for (const c of part.s) {
        if (atStart) {
          if (c === ' ') { if (dropped++ >= minIndent) s2 += c }
          else if (c === '\n') { dropped = 0; s2 += c }
          else { atStart = false; dropped = 0; s2 += c }
        } else {
          s2 += c
          if (c === '\n') atStart = true
        }
      }
      if (j === parts.length - 1) {
        const q = s2.lastIndexOf('\n')
        if (q >= 0 && /^ *$/.test(s2.slice(q + 1))) s2 = s2.slice(0, q + 1)
      }
      out.push({ pos: part.pos, e: { k: 'str', v: s2, pos: part.pos } })
    }
    if (out.length === 1 && out[0]!.e.k === 'str') return out[0]!.e
    return { k: 'concatStrings', forceString: true, parts: out.slice(), pos: p }
  }

  /** `shown`: the attribute's name or path as Nix prints symbols (`showId`). */
  private dupAttr(shown: string, pos: PosIdx, prev: PosIdx): never {
    throw new NixSyntaxError(`attribute '${shown}' already defined at ${showPos(prev)}`, pos)
  }

  private showPath(path: AttrName[]): string {
    return path.map((a) => (a.name !== undefined ? showId(a.name) : `"${'${'}${showExpr(a.expr)}}"`)).join('.')
  }

  /** `binds` up to (not including) the `end` token. */
  private parseBinds(open: Token, end: TokenKind, rec = false): ExprAttrs {
    // (every field set here, none added or changed later: syntax nodes keep one hidden class)
    const attrs: ExprAttrs = { k: 'attrs', rec, attrs: new Map(), dyn: [], pos: this.pos(open) }
    // Nix 2.8 positions an inherited variable at the (empty) start of the bindings
    const bindsStart = this.pos(open) + open.v.length
    for (;;) {
      const t = this.peek()
      if (t.t === end) return attrs
      if (t.t === 'inherit') {
        // Nix 2.8 positions inherited attributes at the (empty) start of the name list:
        // right after `inherit` or after `)`
        let before = this.next()
        let from: Expr | undefined
        if (this.peek().t === '(') {
          this.next()
          from = this.parseExpr()
          before = this.expect(')', "')'")
        }
        const namesPos = this.pos(before) + before.v.length
        for (;;) {
          const a = this.peek()
          if (a.t === ';') break
          let name: string
          if (a.t === 'ID' || a.t === 'or') { this.next(); name = a.t === 'or' ? 'or' : a.v }
          else if (a.t === '"' || a.t === 'DOLLAR_CURLY') {
            const an = this.parseAttrName()
            if (an.name === undefined) throw new NixSyntaxError('dynamic attributes not allowed in inherit', this.pos(a))
            name = an.name
          } else this.fail(a)
          const prev = attrs.attrs.get(name)
          if (prev !== undefined) this.dupAttr(showId(name), namesPos, prev.pos)
          const def: AttrDef = from === undefined
            ? { e: { k: 'var', name, pos: bindsStart }, pos: namesPos, inherited: true }
            // (Nix 2.8 gives `inherit (e) x` the position of the start of the bindings too)
            : { e: { k: 'select', e: from, path: [this.staticName(name)], def: undefined, pos: bindsStart }, pos: namesPos, inherited: false }
          attrs.attrs.set(name, def)
        }
        this.expect(';', "';'")
        continue
      }
      if (t.t !== 'ID' && t.t !== 'or' && t.t !== '"' && t.t !== 'DOLLAR_CURLY') this.fail(t)
      const pathPos = this.pos(t)
      const path = this.parseAttrPath()
      this.expect('=', "'.' or '='")
      const e = this.parseExpr()
      this.expect(';', "';'")
      this.addAttr(attrs, path, e, pathPos)
    }
  }

  private addAttr(top: ExprAttrs, path: AttrName[], e: Expr, pos: PosIdx): void {
    let attrs = top
    for (let j = 0; j + 1 < path.length; j++) {
      const a = path[j]!
      if (a.name !== undefined) {
        const existing = attrs.attrs.get(a.name)
        if (existing !== undefined) {
          if (existing.inherited || existing.e.k !== 'attrs') this.dupAttr(this.showPath(path), pos, existing.pos)
          attrs = existing.e as ExprAttrs
        } else {
          const nested: ExprAttrs = { k: 'attrs', rec: false, attrs: new Map(), dyn: [], pos }
          attrs.attrs.set(a.name, { e: nested, pos, inherited: false })
          attrs = nested
        }
      } else {
        const nested: ExprAttrs = { k: 'attrs', rec: false, attrs: new Map(), dyn: [], pos }
        attrs.dyn.push({ name: a.expr, e: nested, pos })
        attrs = nested
      }
    }
    const last = path[path.length - 1]!
    if (last.name !== undefined) {
      const existing = attrs.attrs.get(last.name)
      if (existing !== undefined) {
        if (existing.e.k === 'attrs' && e.k === 'attrs' && !existing.inherited) {
          const into = existing.e
          for (const [n, d] of e.attrs) {
            const prev = into.attrs.get(n)
            // (Nix reports this one at the earlier definition, "already defined at" the later)
            if (prev !== undefined) this.dupAttr(showId(n), prev.pos, d.pos)
            into.attrs.set(n, d)
          }
        } else this.dupAttr(this.showPath(path), pos, existing.pos)
      } else {
        attrs.attrs.set(last.name, { e, pos, inherited: false })
        // (as Nix's setName: a curried function's inner lambdas take the name too)
        for (let l: Expr = e; l.k === 'lambda'; l = bodyOf(l)) l.name = last.name
      }
    } else {
      attrs.dyn.push({ name: last.expr, e, pos })
    }
  }
}

/**
 * Parse a source into an expression (no variable resolution: `compile` does that). Large
 * sources go to the native parser when it is built (`ParseOptions.native`): same tree.
 * @throws NixSyntaxError on a syntax error or a duplicate attribute / formal.
 */
export function parse(src: Source, options: ParseOptions = {}): Expr {
  if (options.native ?? src.text.length >= NATIVE_MIN_LENGTH) {
    const e = parseNative(src, options)
    if (e !== undefined) return e
  }
  return new Parser(src, options).parseTop()
}
