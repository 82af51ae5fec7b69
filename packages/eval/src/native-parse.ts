/**
 * The native parser (Rust, in `@tsnix/native`) for large sources: it parses the source bytes
 * into a flat encoding (described in native/src/nixparse/mod.rs) that this module decodes
 * into exactly the tree `parse` of parser.ts builds — same objects, property order, shared
 * objects, positions — after making the symbols the TS parser would, in its order. It
 * reports no errors: on any (or on nesting too deep), the TS parser runs instead.
 */
import type { AttrDef, AttrName, DynAttrDef, Expr, ExprAttrs, Formal, Formals, LazyExpr } from './ast.js'
import { intValue } from './lexer.js'
import { nativeAddon } from './native-addon.js'
import type { ParseOptions } from './parser.js'
import { canonPath, type PosIdx, type Source } from './source.js'
import { sortBySymbol, symbolId } from './symbols.js'

/** Whether the native parser is built and enabled (`TSNIX_NATIVE=0` disables it). */
export function nativeParserAvailable(): boolean {
  return nativeAddon() !== null
}

/**
 * Parse `src` with the native parser: the tree `parse(src, options)` of parser.ts returns,
 * or undefined when the addon is not built, `TSNIX_NATIVE=0`, or the source has an error or
 * a construct left to the TS parser (which then gives the error message).
 */
export function parseNative(src: Source, options: ParseOptions): Expr | undefined {
  const addon = nativeAddon()
  if (addon === null) return undefined
  const encoded = addon.parseNix(Buffer.from(src.text, 'latin1'))
  // (an addon built for another encoding is as good as none)
  if (encoded === null || encoded[0] !== MAGIC) return undefined
  return decode(encoded, src, options.home ?? '/', options.lazyBodies === true, options.boundOutside)
}

/** First word of the encoding (native/src/nixparse/mod.rs `MAGIC`). */
const MAGIC = 0x4e500003
const BINOPS = ['eq', 'neq', 'and', 'or', 'impl', 'update', 'concat'] as const

/**
 * Decodes an encoding of `src` (native/src/nixparse/mod.rs): one loop over the records,
 * each building its node from the values on a stack (`case` numbers are the record tags).
 */
class Decoder {
  readonly w: Int32Array
  readonly strs: string[]
  /** The shared `{ name }` of each static name, by string id (parser.ts `staticName`). */
  readonly names: Array<AttrName | undefined>
  readonly base: PosIdx
  readonly baseDir: string
  readonly home: string
  /** Leave lambda bodies of `LAZY_BODY` words or more to decode later (see `LazyBody`). */
  readonly lazy: boolean
  /** Every free variable of the source is bound around it (see `LazyExpr.closed`). */
  closed = false
  /** Decoded values not yet taken by their parent (entries above the top are stale). */
  readonly st: Expr[] = []
  /** The values of `SHARE` records, by slot (their `REF`s are in the same body). */
  readonly shared: Expr[]

  constructor(w: Int32Array, strs: string[], src: Source, home: string, lazy: boolean) {
    this.w = w
    this.strs = strs
    this.names = new Array<AttrName | undefined>(strs.length)
    this.base = src.base
    this.baseDir = src.baseDir
    this.home = home
    this.lazy = lazy
    this.shared = new Array<Expr>(w[3]!)
  }

  /** The tree of the records in `[from, end)` (one whole subtree). */
  run(from: number, end: number): Expr {
    const { w, strs, base, st, shared, baseDir, home } = this
    let sp = 0
    let p = from
    while (p < end) {
      const tag = w[p]!
      const pos = base + w[p + 1]!
      let x: Expr
      switch (tag) {
        case 0: x = { k: 'int', v: w[p + 2]!, pos }; p += 3; break
        case 1: x = { k: 'int', v: intValue(strs[w[p + 2]!]!)!, pos }; p += 3; break
        case 2: x = { k: 'float', v: Number(strs[w[p + 2]!]), pos }; p += 3; break
        case 3: x = { k: 'str', v: strs[w[p + 2]!]!, pos }; p += 3; break
        case 4: {
          const t = strs[w[p + 2]!]!
          x = { k: 'path', v: t.endsWith('/') && t.length > 1 ? `${canonPath(t, baseDir)}/` : canonPath(t, baseDir), pos }
          p += 3
          break
        }
        case 5: x = { k: 'path', v: home + strs[w[p + 2]!]!.slice(1), pos }; p += 3; break
        case 6: x = { k: 'var', name: strs[w[p + 2]!]!, pos }; p += 3; break
        case 7: x = { k: 'curpos', pos }; p += 2; break
        case 8: {
          const hasDef = w[p + 2]!
          const b = sp - 1 - w[p + 3]! - hasDef
          x = { k: 'select', e: st[b]!, path: this.path(p + 4, b + 1), def: hasDef === 1 ? st[sp - 1] : undefined, pos }
          sp = b
          p += 5 + w[p + 4]!
          break
        }
        case 9: {
          const b = sp - 1 - w[p + 2]!
          x = { k: 'has', e: st[b]!, path: this.path(p + 3, b + 1), pos }
          sp = b
          p += 4 + w[p + 3]!
          break
        }
        case 10: {
          const n = w[p + 3]!
          const d = w[p + 4]!
          sp -= n + 2 * d
          x = this.attrs(p, sp, pos)
          p += 5 + 3 * n + d
          break
        }
        case 11: {
          const n = w[p + 2]!
          sp -= n
          x = { k: 'list', elems: st.slice(sp, sp + n), pos }
          p += 3
          break
        }
        case 12: {
          const arg = w[p + 2]!
          const name = w[p + 3]!
          const n = w[p + 5]!
          sp -= w[p + 4]! + 1
          x = {
            k: 'lambda', arg: arg < 0 ? undefined : strs[arg], formals: n < 0 ? undefined : this.formals(p + 6, n, sp),
            body: st[sp + w[p + 4]!]!, pos, name: name < 0 ? undefined : strs[name],
          }
          p += n < 0 ? 6 : 7 + 3 * n
          break
        }
        case 13: {
          const n = w[p + 2]!
          sp -= n + 1
          x = { k: 'call', fn: st[sp]!, args: st.slice(sp + 1, sp + 1 + n), pos }
          p += 3
          break
        }
        case 14: sp -= 2; x = { k: 'let', attrs: st[sp] as ExprAttrs, body: st[sp + 1]!, pos }; p += 2; break
        case 15: sp -= 2; x = { k: 'with', attrs: st[sp]!, body: st[sp + 1]!, pos }; p += 2; break
        case 16: sp -= 3; x = { k: 'if', cond: st[sp]!, then: st[sp + 1]!, else: st[sp + 2]!, pos }; p += 2; break
        case 17: sp -= 2; x = { k: 'assert', cond: st[sp]!, body: st[sp + 1]!, pos }; p += 2; break
        case 18: x = { k: 'not', e: st[--sp]!, pos }; p += 2; break
        case 19: case 20: case 21: case 22: case 23: case 24: case 25:
          sp -= 2
          x = { k: BINOPS[tag - 19]!, a: st[sp]!, b: st[sp + 1]!, pos }
          p += 2
          break
        case 26: {
          const n = w[p + 3]!
          sp -= n
          x = { k: 'concatStrings', forceString: w[p + 2] === 1, parts: this.parts(p + 4, n, sp), pos }
          p += 4 + n
          break
        }
        case 27: shared[w[p + 1]!] = st[sp - 1]!; p += 2; continue
        case 28: x = shared[w[p + 1]!]!; p += 2; break
        case 29: {
          // a lambda body: decoded here, or when it is read
          const n = w[p + 1]!
          p += 2
          if (!this.lazy || n < LAZY_BODY) continue
          // (on the stack only until the lambda record takes it as its body)
          st[sp++] = new LazyBody(this, p, p + n) as LazyExpr as unknown as Expr
          p += n
          continue
        }
        default: throw new Error(`native parser: unknown record ${tag}`)
      }
      st[sp++] = x
    }
    return st[0]!
  }

  /** The path of `n = w[at]` names after it, its dynamic ones on the stack from `dyn`. */
  path(at: number, dyn: number): AttrName[] {
    const w = this.w
    const n = w[at]!
    if (n === 1) return [this.name(w[at + 1]!, dyn)]
    const out: AttrName[] = []
    for (let i = 1; i <= n; i++) {
      const id = w[at + i]!
      out.push(this.name(id, dyn))
      if (id < 0) dyn++
    }
    return out.slice()
  }

  name(id: number, dyn: number): AttrName {
    if (id < 0) return { expr: this.st[dyn]! }
    return (this.names[id] ??= { name: this.strs[id]! })
  }

  /** An attribute set whose record is at `at`, its values on the stack from `b`. */
  attrs(at: number, b: number, pos: PosIdx): ExprAttrs {
    const { w, strs, base, st } = this
    const n = w[at + 3]!
    const d = w[at + 4]!
    const map = new Map<string, AttrDef>()
    let q = at + 5
    for (let i = 0; i < n; i++, q += 3) map.set(strs[w[q]!]!, { e: st[b + i]!, pos: base + w[q + 1]!, inherited: w[q + 2] === 1 })
    const dyn: DynAttrDef[] = []
    for (let i = 0; i < d; i++) dyn.push({ name: st[b + n + 2 * i]!, e: st[b + n + 2 * i + 1]!, pos: base + w[q + i]! })
    return { k: 'attrs', rec: w[at + 2] === 1, attrs: map, dyn, pos }
  }

  /** `n` formals from `at`, the defaults of those that have one on the stack from `b`. */
  formals(at: number, n: number, b: number): Formals {
    const { w, strs, base, st } = this
    const list: Formal[] = []
    for (let q = at + 1; q < at + 1 + 3 * n; q += 3) {
      list.push({ name: strs[w[q]!]!, def: w[q + 2] === 1 ? st[b++] : undefined, pos: base + w[q + 1]! })
    }
    // in symbol order, as parser.ts's `mkLambda` sorts them (the symbols exist already: they
    // are made in order before decoding)
    const sorted = list.slice()
    sortBySymbol(sorted)
    return { formals: sorted, ellipsis: w[at] === 1 }
  }

  /** `n` string parts: positions from `at`, expressions on the stack from `b`. */
  parts(at: number, n: number, b: number): Array<{ pos: PosIdx; e: Expr }> {
    const { w, base, st } = this
    if (n === 2) return [{ pos: base + w[at]!, e: st[b]! }, { pos: base + w[at + 1]!, e: st[b + 1]! }]
    const out: Array<{ pos: PosIdx; e: Expr }> = []
    for (let i = 0; i < n; i++) out.push({ pos: base + w[at + i]!, e: st[b + i]! })
    return out.slice()
  }
}

/** Lambda bodies of this many words or more are decoded when read (when lazy). */
const LAZY_BODY = 64

/** A lambda body of the encoding, decoded when read (see `LazyExpr`). */
class LazyBody implements LazyExpr {
  readonly k = 'lazy'
  private readonly decoder: Decoder
  private readonly from: number
  private readonly end: number
  constructor(decoder: Decoder, from: number, end: number) {
    this.decoder = decoder
    this.from = from
    this.end = end
  }
  decode(): Expr {
    return this.decoder.run(this.from, this.end)
  }

  get closed(): boolean {
    return this.decoder.closed
  }
}

function decode(encoded: Int32Array, src: Source, home: string, lazy: boolean, boundOutside: ((name: string) => boolean) | undefined): Expr {
  const ns = encoded[1]!
  const freeAt = 7 + 2 * ns + encoded[2]!
  const nodesAt = freeAt + encoded[6]!
  const end = nodesAt + encoded[4]!
  const side = Buffer.from(encoded.buffer, encoded.byteOffset + 4 * end, encoded[5]!)
  const text = src.text
  const strs = new Array<string>(ns)
  for (let i = 0; i < ns; i++) {
    const a = encoded[7 + 2 * i]!
    const b = encoded[8 + 2 * i]!
    strs[i] = a >= 0 ? text.slice(a, b) : side.toString('latin1', -1 - a, b)
  }
  for (let i = 7 + 2 * ns; i < freeAt; i++) symbolId(strs[encoded[i]!]!)
  const free: string[] = []
  for (let i = freeAt; i < nodesAt; i++) free.push(strs[encoded[i]!]!)
  const decoder = new Decoder(encoded, strs, src, home, lazy)
  decoder.closed = lazy && boundOutside !== undefined && free.every((name) => boundOutside(name))
  const root = decoder.run(nodesAt, end)
  FREE.set(root, free)
  return root
}

/** The free variables of each natively parsed tree, in order of first use. */
const FREE = new WeakMap<Expr, readonly string[]>()

/**
 * The free variables the native parser found in a tree it returned (`scope.ts`'s
 * `freeVariables` is the TS twin), or undefined for a tree it did not parse.
 */
export function nativeFreeVariables(root: Expr): readonly string[] | undefined {
  return FREE.get(root)
}
