/**
 * The Nix abstract syntax tree, shaped as Nix 2.8's Expr classes (nixexpr.hh) so that
 * `--parse` output and positions follow Nix. Operators are desugared as Nix does:
 * `a - b` is `__sub a b`, `a < b` is `__lessThan a b`, `<p>` is `__findFile __nixPath "p"`.
 */
import type { PosIdx } from './source.js'
import { signBit } from './values.js'

/** A component of an attribute path: a static name, or a `${…}` / non-constant string. */
export type AttrName = { name: string; expr?: undefined } | { name?: undefined; expr: Expr }

export interface AttrDef {
  e: Expr
  pos: PosIdx
  /** `inherit x;` (not `inherit (e) x;`): evaluated in the scope outside a `rec`/`let`. */
  inherited: boolean
}

export interface DynAttrDef {
  name: Expr
  e: Expr
  pos: PosIdx
}

export interface Formal {
  name: string
  def: Expr | undefined
  pos: PosIdx
}

export interface Formals {
  /** Sorted by name, as Nix keeps them. */
  formals: Formal[]
  ellipsis: boolean
}

export type Expr =
  | { k: 'int'; v: number | bigint; pos: PosIdx }
  | { k: 'float'; v: number; pos: PosIdx }
  | { k: 'str'; v: string; pos: PosIdx }
  | { k: 'path'; v: string; pos: PosIdx }
  | { k: 'var'; name: string; pos: PosIdx }
  | { k: 'select'; e: Expr; path: AttrName[]; def: Expr | undefined; pos: PosIdx }
  | { k: 'has'; e: Expr; path: AttrName[]; pos: PosIdx }
  | ExprAttrs
  | { k: 'list'; elems: Expr[]; pos: PosIdx }
  | ExprLambda
  | { k: 'call'; fn: Expr; args: Expr[]; pos: PosIdx }
  | { k: 'let'; attrs: ExprAttrs; body: Expr; pos: PosIdx }
  | { k: 'with'; attrs: Expr; body: Expr; pos: PosIdx }
  | { k: 'if'; cond: Expr; then: Expr; else: Expr; pos: PosIdx }
  | { k: 'assert'; cond: Expr; body: Expr; pos: PosIdx }
  | { k: 'not'; e: Expr; pos: PosIdx }
  | { k: 'eq' | 'neq' | 'and' | 'or' | 'impl' | 'update' | 'concat'; a: Expr; b: Expr; pos: PosIdx }
  | { k: 'concatStrings'; forceString: boolean; parts: Array<{ pos: PosIdx; e: Expr }>; pos: PosIdx }
  | { k: 'curpos'; pos: PosIdx }

export interface ExprAttrs {
  k: 'attrs'
  rec: boolean
  attrs: Map<string, AttrDef>
  dyn: DynAttrDef[]
  pos: PosIdx
}

export interface ExprLambda {
  k: 'lambda'
  /** The `x` of `x: …` or of `{…} @ x`, else undefined. */
  arg: string | undefined
  formals: Formals | undefined
  /** The body; read it with `bodyOf` (the native parser may leave it to decode when needed). */
  body: Expr | LazyExpr
  pos: PosIdx
  /** Set when the lambda is bound to a name (`f = x: …`), for messages. */
  name: string | undefined
}

/**
 * A lambda body not decoded yet (`ParseOptions.lazyBodies`): the tree of a large file is then
 * built one function body at a time, as the compiler reaches it, and each part dies young.
 */
export interface LazyExpr {
  readonly k: 'lazy'
  /** Decode the body (again at each call). */
  decode(): Expr
  /**
   * Whether every variable of the source is bound (`ParseOptions.boundOutside`), so that the
   * body can be compiled later without missing an undefined variable, which Nix reports when
   * it parses.
   */
  readonly closed: boolean
}

/**
 * The body of a lambda, decoded if it was not. A decoded body is not kept in the lambda: the
 * compiler, which reads each body once, then holds only the tree of the body it compiles.
 */
export function bodyOf(e: ExprLambda): Expr {
  const b = e.body
  return b.k === 'lazy' ? b.decode() : b
}

function showString(s: string): string {
  let out = '"'
  for (const c of s) {
    if (c === '"' || c === '\\' || c === '$') out += `\\${c}`
    else if (c === '\n') out += '\\n'
    else if (c === '\r') out += '\\r'
    else if (c === '\t') out += '\\t'
    else out += c
  }
  return `${out}"`
}

/** An identifier as Nix shows it: bare when it lexes as one, else quoted. */
export function showId(s: string): string {
  if (s === '') return '""'
  if (s === 'if') return '"if"'
  if (!/^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(s)) return showString(s)
  return s
}

function showAttrPath(path: AttrName[]): string {
  return path.map((a) => (a.name !== undefined ? showId(a.name) : `"\${${showExpr(a.expr)}}"`)).join('.')
}

function showFloat(v: number): string {
  return formatG(v)
}

/**
 * Whether the exact decimal expansion `digits` (no sign, no point) is a tie when cut after
 * `keep` digits: a 5 and then only zeros. (JS rounds ties up; C's printf rounds them to even.)
 */
function isTie(digits: string, keep: number): boolean {
  return digits[keep] === '5' && /^0*$/.test(digits.slice(keep + 1))
}

/** `x.toExponential(f)` with C's rounding of exact ties (to even). */
export function toExponentialC(x: number, f: number): string {
  const js = x.toExponential(f)
  // 25 more digits show whether the value is exactly halfway (a double's nearest neighbours
  // differ within 17 significant digits)
  const exact = Math.abs(x).toExponential(Math.min(100, f + 25))
  const at = exact.indexOf('e')
  const digits = exact.slice(0, at).replace('.', '')
  if (!isTie(digits, f + 1) || Number(digits[f]) % 2 === 1) return js
  // an even last digit: C keeps it (JS went up)
  const kept = digits.slice(0, f + 1)
  return `${x < 0 ? '-' : ''}${kept[0]}${f > 0 ? `.${kept.slice(1)}` : ''}${exact.slice(at)}`
}

/** `x.toFixed(f)` (for |x| < 1e21) with C's rounding of exact ties (to even). */
export function toFixedC(x: number, f: number): string {
  const js = x.toFixed(f)
  const exact = Math.abs(x).toFixed(Math.min(100, f + 25))
  const point = exact.indexOf('.')
  const fraction = exact.slice(point + 1)
  const last = f > 0 ? fraction[f - 1]! : exact[point - 1]!
  if (!isTie(fraction, f) || Number(last) % 2 === 1) return js
  return `${x < 0 ? '-' : ''}${exact.slice(0, f > 0 ? point + 1 + f : point)}`
}

/** C's `%g` (precision 6), which is how Nix prints floats. */
export function formatG(v: number): string {
  // fast path: JS prints it the same way when it is in %g's fixed range with ≤ 6 digits
  const a = Math.abs(v)
  if (a >= 1e-4 && a < 1e6) {
    const js = String(v)
    // its significant digits: all but the sign, the point and leading zeros
    let digits = 0
    for (let i = 0; i < js.length; i++) {
      const c = js.charCodeAt(i)
      if (c === 45 || c === 46 || (c === 48 && digits === 0)) continue
      digits++
    }
    if (digits <= 6) return js
  }
  if (Number.isNaN(v)) return signBit(v) ? '-nan' : 'nan'
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf'
  if (v === 0) return Object.is(v, -0) ? '-0' : '0'
  const exp = Math.floor(Math.log10(Math.abs(v)))
  // round to 6 significant digits first: the exponent may change (9.999995 → 10)
  let s = toExponentialC(v, 5)
  let e = Number(s.slice(s.indexOf('e') + 1))
  if (Number.isNaN(e)) e = exp
  if (e < -4 || e >= 6) {
    let [mant, ex] = s.split('e') as [string, string]
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '')
    const en = Number(ex)
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`
  }
  s = toFixedC(v, Math.max(0, 5 - e))
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '')
  return s
}

/** Print an expression as `nix-instantiate --parse` does. */
export function showExpr(e: Expr): string {
  switch (e.k) {
    case 'int': return String(e.v)
    case 'float': return showFloat(e.v)
    case 'str': return showString(e.v)
    case 'path': return e.v
    case 'var': return showId(e.name)
    case 'curpos': return '__curPos'
    case 'select': {
      let s = `(${showExpr(e.e)}).${showAttrPath(e.path)}`
      if (e.def !== undefined) s += ` or (${showExpr(e.def)})`
      return s
    }
    case 'has': return `((${showExpr(e.e)}) ? ${showAttrPath(e.path)})`
    case 'attrs': {
      let s = e.rec ? 'rec { ' : '{ '
      const names = [...e.attrs.keys()].sort()
      for (const n of names) {
        const d = e.attrs.get(n)!
        if (d.inherited) s += `inherit ${showId(n)} ; `
        else s += `${showId(n)} = ${showExpr(d.e)}; `
      }
      for (const d of e.dyn) s += `"\${${showExpr(d.name)}}" = ${showExpr(d.e)}; `
      return `${s}}`
    }
    case 'list': return `[ ${e.elems.map((x) => `(${showExpr(x)}) `).join('')}]`
    case 'lambda': {
      let s = '('
      if (e.formals !== undefined) {
        s += '{ '
        s += e.formals.formals.map((f) => showId(f.name) + (f.def !== undefined ? ` ? ${showExpr(f.def)}` : '')).join(', ')
        if (e.formals.ellipsis) s += e.formals.formals.length > 0 ? ', ...' : '...'
        s += ' }'
        if (e.arg !== undefined) s += ` @ ${showId(e.arg)}`
      } else s += showId(e.arg ?? '')
      return `${s}: ${showExpr(bodyOf(e))})`
    }
    case 'call': return `(${showExpr(e.fn)} ${e.args.map(showExpr).join(' ')})`
    case 'let': {
      let s = '(let '
      for (const [n, d] of e.attrs.attrs) {
        if (d.inherited) s += `inherit ${showId(n)}; `
        else s += `${showId(n)} = ${showExpr(d.e)}; `
      }
      return `${s}in ${showExpr(e.body)})`
    }
    case 'with': return `(with ${showExpr(e.attrs)}; ${showExpr(e.body)})`
    case 'if': return `(if ${showExpr(e.cond)} then ${showExpr(e.then)} else ${showExpr(e.else)})`
    case 'assert': return `assert ${showExpr(e.cond)}; ${showExpr(e.body)}`
    case 'not': return `(! ${showExpr(e.e)})`
    case 'eq': return `(${showExpr(e.a)} == ${showExpr(e.b)})`
    case 'neq': return `(${showExpr(e.a)} != ${showExpr(e.b)})`
    case 'and': return `(${showExpr(e.a)} && ${showExpr(e.b)})`
    case 'or': return `(${showExpr(e.a)} || ${showExpr(e.b)})`
    case 'impl': return `(${showExpr(e.a)} -> ${showExpr(e.b)})`
    case 'update': return `(${showExpr(e.a)} // ${showExpr(e.b)})`
    case 'concat': return `(${showExpr(e.a)} ++ ${showExpr(e.b)})`
    case 'concatStrings': return `(${e.parts.map((p) => showExpr(p.e)).join(' + ')})`
  }
}
