/**
 * The built-in functions and constants of Nix 2.8 (primops.cc and friends), with their error
 * messages. Store-related builtins (derivation, toFile, path, filterSource, storePath…) are
 * registered but answer "not supported yet" until the store exists.
 */
import { digest, digestHex, isStorePath, nix32, type HashAlgo } from './hash-lazy.js'
import { showId } from './ast.js'
import { NixError } from './errors.js'
import type { EvalState } from './state.js'
import { forceDeep, printValue, toJSON, toXML } from './print.js'
import { compileRegex } from './regex.js'
import { fromJSON } from './json.js'
import { fromTOML } from './toml.js'
import { compareVersions, parseDrvName, splitVersion } from './versions.js'
import type { PosIdx } from './source.js'
import {
  AttrsBuilder, EMPTY_ATTRS, Lambda, NixAttrs, NixFloat, NixPath, NixString, PrimOp, PrimOpApp, Shape,
  byteCompare, mkString, normInt, typeOf, takeContext, finishString, discardContext, sameList,
  type Lazy, type Value,
} from './values.js'

/** The Nix version we claim to be compatible with. */
export const NIX_VERSION = '2.8.0'
/** `builtins.langVersion` of Nix 2.8. */
export const LANG_VERSION = 6

type Fn = (args: Lazy[], pos: PosIdx | undefined) => Value

/** Global names that are not prefixed with `__` in the base environment. */
const GLOBAL = new Set([
  'abort', 'baseNameOf', 'builtins', 'derivation', 'derivationStrict', 'dirOf', 'false', 'fetchGit',
  'fetchMercurial', 'fetchTarball', 'fetchTree', 'fromTOML', 'import', 'isNull', 'map', 'null',
  'placeholder', 'removeAttrs', 'scopedImport', 'throw', 'toString', 'true',
])

function attrsOf(entries: Array<[string, Lazy]>): NixAttrs {
  return NixAttrs.fromMap(new Map(entries))
}


/**
 * An attribute a builtin requires (getAttr in primops.cc): "attribute 'x' missing for call to
 * 'f'", at the set's position (with a "while invoking" frame) or else at the call.
 */
function requireAttr(funcName: string, name: string, set: NixAttrs, pos: PosIdx | undefined): Lazy {
  const v = set.get(name)
  if (v !== undefined) return v
  // (Nix prints the name as a symbol: quoted unless it is an identifier)
  const msg = `attribute '${showId(name)}' missing for call to '${funcName}'`
  const origin = set.shape.origin
  if (origin === undefined) throw new NixError('type', msg, pos)
  throw new NixError('type', msg, origin).addTrace(`while invoking '${funcName}'`, pos)
}

/** Where a value comes from, for a message (Nix's `determinePos`): a function's or a set literal's position. */
function positionOf(v: Value, fallback: PosIdx | undefined): PosIdx | undefined {
  if (v instanceof Lambda) return v.info.pos
  if (v instanceof NixAttrs) return v.shape.origin ?? fallback
  return fallback
}

/**
 * `builtins.sort` as Nix 2.8 sorts: libstdc++'s `std::stable_sort` with its temporary buffer
 * (insertion sort of chunks of 7, merges between the array and the buffer, then one adaptive
 * merge of the two halves), comparing with `lt` in the same order. A comparator that is not a
 * strict weak order then gives Nix's order too.
 */
function stableSort<T>(xs: readonly T[], lt: (a: T, b: T) => boolean): T[] {
  const a = xs.slice()
  const n = a.length
  if (n < 2) return a
  const buffer = new Array<T>(n)
  const middle = (n + 1) >> 1
  mergeSortWithBuffer(a, 0, middle, buffer, lt)
  mergeSortWithBuffer(a, middle, n, buffer, lt)
  mergeAdaptive(a, 0, middle, n, buffer, lt)
  return a
}

const CHUNK = 7

function insertionSort<T>(a: T[], first: number, last: number, lt: (a: T, b: T) => boolean): void {
  for (let i = first + 1; i < last; i++) {
    const v = a[i]!
    if (lt(v, a[first]!)) {
      for (let k = i; k > first; k--) a[k] = a[k - 1]!
      a[first] = v
    } else {
      let k = i
      while (lt(v, a[k - 1]!)) { a[k] = a[k - 1]!; k-- }
      a[k] = v
    }
  }
}

/** Merge [i1, e1) and [i2, e2) of `from` into `to` from `out`; the left side wins ties. */
function moveMerge<T>(from: T[], i1: number, e1: number, i2: number, e2: number, to: T[], out: number, lt: (a: T, b: T) => boolean): number {
  while (i1 < e1 && i2 < e2) to[out++] = lt(from[i2]!, from[i1]!) ? from[i2++]! : from[i1++]!
  while (i1 < e1) to[out++] = from[i1++]!
  while (i2 < e2) to[out++] = from[i2++]!
  return out
}

function mergeSortLoop<T>(from: T[], first: number, last: number, to: T[], out: number, step: number, lt: (a: T, b: T) => boolean): void {
  const two = 2 * step
  while (last - first >= two) {
    out = moveMerge(from, first, first + step, first + step, first + two, to, out, lt)
    first += two
  }
  const s = Math.min(last - first, step)
  moveMerge(from, first, first + s, first + s, last, to, out, lt)
}

function mergeSortWithBuffer<T>(a: T[], first: number, last: number, buffer: T[], lt: (a: T, b: T) => boolean): void {
  const len = last - first
  for (let c = first; ; c += CHUNK) {
    if (last - c < CHUNK) { insertionSort(a, c, last, lt); break }
    insertionSort(a, c, c + CHUNK, lt)
  }
  let step = CHUNK
  while (step < len) {
    mergeSortLoop(a, first, last, buffer, 0, step, lt)
    step *= 2
    mergeSortLoop(buffer, 0, len, a, first, step, lt)
    step *= 2
  }
}

/** Merge the sorted runs [first, middle) and [middle, last) through the buffer. */
function mergeAdaptive<T>(a: T[], first: number, middle: number, last: number, buffer: T[], lt: (a: T, b: T) => boolean): void {
  const len1 = middle - first
  const len2 = last - middle
  if (len1 <= len2) {
    for (let i = 0; i < len1; i++) buffer[i] = a[first + i]!
    // forward: the buffered left run against the right run, into place
    let i1 = 0
    let i2 = middle
    let out = first
    while (i1 < len1 && i2 < last) a[out++] = lt(a[i2]!, buffer[i1]!) ? a[i2++]! : buffer[i1++]!
    while (i1 < len1) a[out++] = buffer[i1++]!
  } else {
    for (let i = 0; i < len2; i++) buffer[i] = a[middle + i]!
    // backward: the left run against the buffered right run, from the end
    if (len1 === 0 || len2 === 0) return
    let l1 = middle - 1
    let l2 = len2 - 1
    let out = last
    for (;;) {
      if (lt(buffer[l2]!, a[l1]!)) {
        a[--out] = a[l1]!
        if (l1 === first) { while (l2 >= 0) a[--out] = buffer[l2--]!; return }
        l1--
      } else {
        a[--out] = buffer[l2]!
        if (l2 === 0) return
        l2--
      }
    }
  }
}

/** Nix's baseNameOf on a string. */
function baseNameOfStr(s: string): string {
  if (s === '') return ''
  let last = s.length - 1
  if (s[last] === '/' && last > 0) last--
  const p = s.lastIndexOf('/', last)
  return s.slice(p + 1, last + 1)
}

/** Nix's dirOf on a string. */
function dirOfStr(s: string): string {
  const p = s.lastIndexOf('/')
  if (p < 0) return '.'
  if (p === 0) return '/'
  return s.slice(0, p)
}

const HASH_ALGOS: Record<string, HashAlgo> = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' }

/** Register all builtins into `st.base` (both the `builtins` set and the global names). */
export function registerBuiltins(st: EvalState): void {
  const builtins = new Map<string, Lazy>()
  const add = (name: string, v: Lazy): void => {
    builtins.set(name, v)
    st.base.set(GLOBAL.has(name) ? name : `__${name}`, v)
  }
  const prim = (name: string, arity: number, fn: Fn): void => {
    add(name, arity === 0 ? fn([], undefined) : new PrimOp(name, arity, fn))
  }
  const F = (x: Lazy, pos?: PosIdx): Value => st.force(x, pos)
  const str = (v: string, ctx?: ReadonlySet<string>): Value => mkString(v, ctx)
  const notSupported = (name: string) => (_args: Lazy[], pos: PosIdx | undefined): Value => {
    throw new NixError('eval', `'builtins.${name}' is not supported yet`, pos)
  }

  // ------------------------------------------------------------ constants
  add('true', true)
  add('false', false)
  add('null', null)
  add('langVersion', LANG_VERSION)
  add('nixVersion', NIX_VERSION)
  add('storeDir', st.storeDir)
  add('currentSystem', st.currentSystem)
  add('currentTime', Math.floor(Date.now() / 1000))
  add('nixPath', st.nixPathValue())

  // ------------------------------------------------------------ types
  prim('typeOf', 1, ([a]) => typeOf(F(a!)))
  prim('isNull', 1, ([a]) => F(a!) === null)
  prim('isFunction', 1, ([a]) => { const v = F(a!); return v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp })
  prim('isInt', 1, ([a]) => { const v = F(a!); return typeof v === 'number' || typeof v === 'bigint' })
  prim('isFloat', 1, ([a]) => F(a!) instanceof NixFloat)
  prim('isString', 1, ([a]) => { const v = F(a!); return typeof v === 'string' || v instanceof NixString })
  prim('isBool', 1, ([a]) => typeof F(a!) === 'boolean')
  prim('isPath', 1, ([a]) => F(a!) instanceof NixPath)
  prim('isAttrs', 1, ([a]) => F(a!) instanceof NixAttrs)
  prim('isList', 1, ([a]) => Array.isArray(F(a!)))

  // ------------------------------------------------------------ arithmetic
  prim('add', 2, ([a, b], pos) => st.arith('+', F(a!, pos), F(b!, pos), pos))
  prim('sub', 2, ([a, b], pos) => st.arith('-', F(a!, pos), F(b!, pos), pos))
  prim('mul', 2, ([a, b], pos) => st.arith('*', F(a!, pos), F(b!, pos), pos))
  prim('div', 2, ([a, b], pos) => {
    // both forced first; then the checks in Nix's order (see `arith`)
    const x = F(a!, pos)
    const y = F(b!, pos)
    return st.arith('/', x, y, pos)
  })
  const bitop = (name: string, f: (x: bigint, y: bigint) => bigint): void =>
    prim(name, 2, ([a, b], pos) => {
      const x = st.forceInt(a!, pos); const y = st.forceInt(b!, pos)
      if (typeof x === 'number' && typeof y === 'number' && x >= -(2 ** 31) && x < 2 ** 31 && y >= -(2 ** 31) && y < 2 ** 31) {
        return Number(f(BigInt(x), BigInt(y)))
      }
      return normInt(f(BigInt(x), BigInt(y)))
    })
  bitop('bitAnd', (x, y) => x & y)
  bitop('bitOr', (x, y) => x | y)
  bitop('bitXor', (x, y) => x ^ y)
  prim('lessThan', 2, ([a, b], pos) => st.lessThan(F(a!, pos), F(b!, pos), pos))
  // (an integer goes through a double, as in Nix: 2^53 + 1 gives 2^53, 2^63 - 1 gives -2^63)
  prim('ceil', 1, ([a], pos) => toIntChecked(Math.ceil(st.forceNumber(a!, pos))))
  prim('floor', 1, ([a], pos) => toIntChecked(Math.floor(st.forceNumber(a!, pos))))

  // ------------------------------------------------------------ control
  // (a path is copied to the store, as for every coercion Nix 2.8 makes with its defaults)
  prim('throw', 1, ([a], pos) => {
    const s = st.coerceToString(a!, pos, new Set(), false, true)
    throw new NixError('thrown', s)
  })
  prim('abort', 1, ([a], pos) => {
    const s = st.coerceToString(a!, pos, new Set(), false, true)
    throw new NixError('abort', `evaluation aborted with the following error message: '${s}'`)
  })
  prim('seq', 2, ([a, b], pos) => { F(a!, pos); return F(b!, pos) })
  prim('deepSeq', 2, ([a, b], pos) => { forceDeep(st, a!, pos); return F(b!, pos) })
  prim('tryEval', 1, ([a], pos) => {
    try {
      F(a!, pos)
      return attrsOf([['success', true], ['value', a!]])
    } catch (err) {
      if (err instanceof NixError && err.catchable) return attrsOf([['success', false], ['value', false]])
      throw err
    }
  })
  prim('trace', 2, ([a, b], pos) => {
    const v = F(a!, pos)
    st.trace(`trace: ${typeof v === 'string' ? v : v instanceof NixString ? v.s : printValue(v)}`)
    return F(b!, pos)
  })
  prim('addErrorContext', 2, ([a, b], pos) => {
    try {
      return F(b!, pos)
    } catch (err) {
      if (err instanceof NixError) {
        const msg = st.coerceToString(a!, pos, new Set(), false, false)
        err.addTrace(msg, undefined)
      }
      throw err
    }
  })

  // ------------------------------------------------------------ attribute sets
  prim('attrNames', 1, ([a], pos) => st.forceAttrs(a!, pos).keys().slice())
  prim('attrValues', 1, ([a], pos) => { const s = st.forceAttrs(a!, pos); return s.keys().map((k) => s.get(k)!) })
  prim('getAttr', 2, ([n, s], pos) => {
    const name = st.forceStringNoCtx(n!, pos)
    const set = st.forceAttrs(s!, pos)
    return F(requireAttr('getAttr', name, set, pos), pos)
  })
  prim('hasAttr', 2, ([n, s], pos) => {
    const name = st.forceStringNoCtx(n!, pos)
    return st.forceAttrs(s!, pos).has(name)
  })
  prim('unsafeGetAttrPos', 2, ([n, s], pos) => {
    const name = st.forceStringNoCtx(n!, pos)
    const set = st.forceAttrs(s!, pos)
    if (!set.has(name)) return null
    return st.posToAttrs(set.posOf(name))
  })
  prim('removeAttrs', 2, ([s, l], pos) => {
    const set = st.forceAttrs(s!, pos)
    const names = st.forceList(l!, pos)
    const dropped: boolean[] = new Array<boolean>(set.size).fill(false)
    for (let i = 0; i < names.length; i++) {
      const slot = set.shape.slotOf(st.forceStringNoCtx(names[i]!, pos))
      if (slot !== undefined) dropped[slot] = true
    }
    const keep: number[] = []
    for (let i = 0; i < dropped.length; i++) if (!dropped[i]) keep.push(i)
    return set.pick(keep)
  })
  prim('listToAttrs', 1, ([l], pos) => {
    const list = st.forceList(l!, pos)
    const b = new AttrsBuilder()
    for (const x of list) {
      const e = st.forceAttrs(x, pos)
      // (a name that is not a string is reported where the `name` attribute is, as in Nix)
      const name = st.forceStringNoCtx(requireAttr('listToAttrs', 'name', e, pos), e.posOf('name'))
      // the first definition of a name wins; only it needs a value
      const slot = e.shape.slotOf('value')
      if (slot === undefined) {
        if (!b.has(name)) requireAttr('listToAttrs', 'value', e, pos)
        continue
      }
      b.add(name, e.vals[slot]!, e.shape.pos[slot])
    }
    return b.finish()
  })
  prim('intersectAttrs', 2, ([a, b], pos) => {
    const x = st.forceAttrs(a!, pos)
    const y = st.forceAttrs(b!, pos)
    // the slots of y whose names x has, ascending
    const keep: number[] = []
    if (x.size < y.size) {
      // `intersectAttrs (functionArgs f) pkgs`: walk the small set, look names up in the big one
      const xs = x.shape.names
      for (let i = 0; i < xs.length; i++) {
        const j = y.shape.slotOf(xs[i]!)
        if (j !== undefined) keep.push(j)
      }
    } else {
      const ys = y.shape.names
      for (let i = 0; i < ys.length; i++) if (x.has(ys[i]!)) keep.push(i)
    }
    return y.pick(keep)
  })
  prim('catAttrs', 2, ([n, l], pos) => {
    const name = st.forceStringNoCtx(n!, pos)
    const out: Lazy[] = []
    for (const x of st.forceList(l!, pos)) {
      const v = st.forceAttrs(x, pos).get(name)
      if (v !== undefined) out.push(v)
    }
    return out
  })
  prim('functionArgs', 1, ([f], pos) => {
    const v = F(f!, pos)
    if (v instanceof PrimOp || v instanceof PrimOpApp) return EMPTY_ATTRS
    if (!(v instanceof Lambda)) throw new NixError('type', "'functionArgs' requires a function", pos)
    const info = v.info
    const formals = info.formals
    if (formals === undefined) return EMPTY_ATTRS
    if (info.functionArgs === undefined) {
      // (formals are distinct)
      const { shape, order } = Shape.sort(formals.map((fm) => fm.name), formals.map((fm) => fm.pos))
      info.functionArgs = new NixAttrs(shape, order.map((i) => formals[i]!.def !== undefined))
    }
    // a set of its own each time (printing marks a set seen twice as «repeated»)
    return new NixAttrs(info.functionArgs.shape, info.functionArgs.vals.slice())
  })
  prim('mapAttrs', 2, ([f, s], pos) => {
    const set = st.forceAttrs(s!, pos)
    const fn = F(f!, pos)
    // the same names, without positions (as in Nix): a shape shared by all results
    const names = set.shape.names
    const vals: Lazy[] = new Array(names.length)
    for (let i = 0; i < names.length; i++) vals[i] = st.app2(fn, names[i]!, set.vals[i]!)
    return new NixAttrs(set.shape.withoutPositions(), vals)
  })
  prim('zipAttrsWith', 2, ([f, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    const acc = new Map<string, Lazy[]>()
    for (const x of st.forceList(l!, pos)) {
      const set = F(x, pos)
      // (as Nix 2.8: no position, a frame for the call)
      if (!(set instanceof NixAttrs)) throw st.typeError(set, 'a set', undefined).addTrace("while invoking 'zipAttrsWith'", pos)
      for (const k of set.keys()) {
        let arr = acc.get(k)
        if (arr === undefined) acc.set(k, arr = [])
        arr.push(set.get(k)!)
      }
    }
    const m = new Map<string, Lazy>()
    for (const [k, vs] of acc) m.set(k, st.app2(fn, k, vs))
    return NixAttrs.fromMap(m)
  })
  prim('genericClosure', 1, ([a], pos) => {
    const args = st.forceAttrs(a!, pos)
    const start = requireAttr('genericClosure', 'startSet', args, pos)
    const op = requireAttr('genericClosure', 'operator', args, pos)
    const opFn = F(op, pos)
    const work: Lazy[] = [...st.forceList(start, pos)]
    const res: Lazy[] = []
    // Nix keeps the keys in a std::set ordered as `<` orders values (numbers, strings, paths,
    // lists): a key that cannot be compared with the one at the root of its tree fails there
    // (the first key stands for the root). Equal keys: numbers, strings and paths by a hash,
    // lists by comparing.
    const seen = new Set<string>()
    const lists: Value[] = []
    let first: Value | undefined
    for (let w = 0; w < work.length; w++) {
      const e = work[w]!
      const set = st.forceAttrs(e, pos)
      const kl = set.get('key')
      if (kl === undefined) throw new NixError('eval', "attribute 'key' required", pos)
      const key = F(kl, pos)
      if (first === undefined) first = key
      else st.lessThan(key, first, pos)
      let id: string | undefined
      if (typeof key === 'number' || typeof key === 'bigint') id = `n${key}`
      else if (key instanceof NixFloat) id = `n${key.v}`
      else if (typeof key === 'string') id = `s${key}`
      else if (key instanceof NixString) id = `s${key.s}`
      else if (key instanceof NixPath) id = `p${key.p}`
      if (id !== undefined) {
        if (seen.has(id)) continue
        seen.add(id)
      } else {
        if (lists.some((o) => !st.lessThan(key, o, pos) && !st.lessThan(o, key, pos))) continue
        lists.push(key)
      }
      res.push(e)
      // the operator's results are forced as they are queued, as in Nix
      for (const n of st.forceList(st.call(opFn, [e], pos), pos)) { F(n, pos); work.push(n) }
    }
    return res
  })

  // ------------------------------------------------------------ lists
  prim('length', 1, ([l], pos) => st.forceList(l!, pos).length)
  prim('head', 1, ([l], pos) => {
    const list = st.forceList(l!, pos)
    if (list.length === 0) throw new NixError('eval', 'list index 0 is out of bounds', pos)
    return F(list[0]!, pos)
  })
  prim('tail', 1, ([l], pos) => {
    const list = st.forceList(l!, pos)
    if (list.length === 0) throw new NixError('eval', "'tail' called on an empty list", pos)
    return list.slice(1)
  })
  prim('elemAt', 2, ([l, n], pos) => {
    // (the index first, as in Nix, which keeps it in a C int)
    const i = int32(st.forceInt(n!, pos))
    const list = st.forceList(l!, pos)
    if (i < 0 || i >= list.length) throw new NixError('eval', `list index ${i} is out of bounds`, pos)
    return F(list[i]!, pos)
  })
  prim('elem', 2, ([x, l], pos) => {
    const list = st.forceList(l!, pos)
    for (let i = 0; i < list.length; i++) if (st.eqValues(x!, list[i]!, pos)) return true
    return false
  })
  prim('map', 2, ([f, l], pos) => {
    const list = st.forceList(l!, pos)
    const fn = F(f!, pos)
    const out: Lazy[] = new Array(list.length)
    for (let i = 0; i < list.length; i++) out[i] = st.app1(fn, list[i]!)
    return out
  })
  prim('filter', 2, ([f, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    const list = st.forceList(l!, pos)
    const out: Lazy[] = []
    for (let i = 0; i < list.length; i++) if (st.forceBool(st.call1(fn, list[i]!, pos), pos)) out.push(list[i]!)
    return out.length === list.length ? sameList(list) : out
  })
  prim('concatLists', 1, ([l], pos) => {
    const lists = st.forceList(l!, pos).map((x) => st.forceList(x, pos))
    // one non-empty list is passed on, as Nix does
    const nonEmpty = lists.filter((x) => x.length > 0)
    if (nonEmpty.length === 1) return sameList(nonEmpty[0]!)
    const out: Lazy[] = []
    for (const x of lists) for (const y of x) out.push(y)
    return out
  })
  prim('concatMap', 2, ([f, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    const out: Lazy[] = []
    const list = st.forceList(l!, pos)
    for (let i = 0; i < list.length; i++) {
      const ys = st.call1(fn, list[i]!, pos)
      // (as Nix 2.8: at the result's or else the function's position, with a frame for the call)
      if (!Array.isArray(ys)) throw st.typeError(ys, 'a list', positionOf(ys, positionOf(fn, pos))).addTrace("while invoking 'concatMap'", pos)
      for (let j = 0; j < ys.length; j++) out.push(ys[j]!)
    }
    return out
  })
  prim("foldl'", 3, ([f, z, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    const list = st.forceList(l!, pos)
    let acc: Lazy = z!
    if (list.length === 0) return F(acc, pos)
    for (let i = 0; i < list.length; i++) acc = st.call2(fn, acc, list[i]!, pos)
    return acc as Value
  })
  prim('genList', 2, ([f, n], pos) => {
    const len = st.forceInt(n!, pos)
    if (len < 0) throw new NixError('eval', `cannot create list of size ${len}`, pos)
    // (beyond the longest JS array; Nix's allocation fails too)
    if (typeof len !== 'number' || len >= 2 ** 32) throw new NixError('out-of-memory', 'out of memory')
    const fn = F(f!, pos)
    const out: Lazy[] = new Array(len)
    for (let i = 0; i < len; i++) out[i] = st.app1(fn, i)
    return out
  })
  prim('all', 2, ([f, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    for (const x of st.forceList(l!, pos)) if (!st.forceBool(st.call1(fn, x, pos), pos)) return false
    return true
  })
  prim('any', 2, ([f, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    for (const x of st.forceList(l!, pos)) if (st.forceBool(st.call1(fn, x, pos), pos)) return true
    return false
  })
  prim('sort', 2, ([f, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    const list = st.forceList(l!, pos)
    for (const x of list) F(x, pos)
    return stableSort(list, (a, b) => st.forceBool(st.call2(fn, a, b, pos), pos))
  })
  prim('partition', 2, ([f, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    const right: Lazy[] = []
    const wrong: Lazy[] = []
    for (const x of st.forceList(l!, pos)) (st.forceBool(st.call1(fn, x, pos), pos) ? right : wrong).push(x)
    return attrsOf([['right', right], ['wrong', wrong]])
  })
  prim('groupBy', 2, ([f, l], pos) => {
    const fn = st.forceFunction(f!, pos)
    const m = new Map<string, Lazy[]>()
    for (const x of st.forceList(l!, pos)) {
      const k = st.forceStringNoCtx(st.call1(fn, x, pos), pos)
      let arr = m.get(k)
      if (arr === undefined) m.set(k, arr = [])
      arr.push(x)
    }
    return NixAttrs.fromMap(m as Map<string, Lazy>)
  })

  // ------------------------------------------------------------ strings
  prim('stringLength', 1, ([s], pos) => {
    const ctx = takeContext()
    const n = st.coerceToString(s!, pos, ctx, false, true).length
    discardContext(ctx)
    return n
  })
  prim('substring', 3, ([a, b, s], pos) => {
    // Nix 2.8 keeps both in a C int: the low 32 bits, with their sign
    const start = int32(st.forceInt(a!, pos))
    const len = int32(st.forceInt(b!, pos))
    const ctx = takeContext()
    const text = st.coerceToString(s!, pos, ctx, false, true)
    if (start < 0) throw new NixError('eval', "negative start position in 'substring'", pos)
    const end = len < 0 ? text.length : Math.min(text.length, start + len)
    return finishString(start >= text.length ? '' : text.slice(start, end), ctx)
  })
  prim('toString', 1, ([a], pos) => {
    const ctx = takeContext()
    return finishString(st.coerceToString(a!, pos, ctx, true, false), ctx)
  })
  prim('concatStringsSep', 2, ([sep, l], pos) => {
    const ctx = takeContext()
    const sp = st.forceStr(sep!, pos, ctx)
    const list = st.forceList(l!, pos)
    const parts: string[] = new Array(list.length)
    for (let i = 0; i < list.length; i++) parts[i] = st.coerceToString(list[i]!, pos, ctx, false, true)
    return finishString(parts.join(sp), ctx)
  })
  prim('replaceStrings', 3, ([f, t, s], pos) => {
    const from = st.forceList(f!, pos)
    const to = st.forceList(t!, pos)
    if (from.length !== to.length) throw new NixError('eval', "'from' and 'to' arguments to 'replaceStrings' have different lengths", pos)
    const froms = from.map((x) => st.forceStringNoCtx(x, pos))
    const tos: Array<string | undefined> = new Array(to.length).fill(undefined)
    const ctx = new Set<string>()
    const text = st.forceStr(s!, pos, ctx)
    let res = ''
    for (let p = 0; p <= text.length;) {
      let found = false
      for (let i = 0; i < froms.length; i++) {
        const fr = froms[i]!
        if (text.startsWith(fr, p)) {
          found = true
          let rep = tos[i]
          if (rep === undefined) rep = tos[i] = st.forceStr(to[i]!, pos, ctx)
          res += rep
          if (fr.length === 0) {
            if (p < text.length) res += text[p]
            p++
          } else p += fr.length
          break
        }
      }
      if (!found) {
        if (p < text.length) res += text[p]
        p++
      }
    }
    return str(res, ctx)
  })
  prim('match', 2, ([r, s], pos) => {
    const re = compileRegex(st.forceStringNoCtx(r!, pos), pos)
    return re.match(st.forceStr(s!, pos))
  })
  prim('split', 2, ([r, s], pos) => {
    const re = compileRegex(st.forceStringNoCtx(r!, pos), pos)
    // no match: Nix returns the subject itself (context included)
    return re.split(st.forceStr(s!, pos)) ?? [s!]
  })
  prim('splitVersion', 1, ([s], pos) => splitVersion(st.forceStringNoCtx(s!, pos)))
  prim('compareVersions', 2, ([a, b], pos) => compareVersions(st.forceStringNoCtx(a!, pos), st.forceStringNoCtx(b!, pos)))
  prim('parseDrvName', 1, ([s], pos) => {
    const [name, version] = parseDrvName(st.forceStringNoCtx(s!, pos))
    return attrsOf([['name', name], ['version', version]])
  })
  prim('baseNameOf', 1, ([a], pos) => {
    const ctx = takeContext()
    return finishString(baseNameOfStr(st.coerceToString(a!, pos, ctx, false, false)), ctx)
  })
  prim('dirOf', 1, ([a], pos) => {
    const v = F(a!, pos)
    if (v instanceof NixPath) return new NixPath(dirOfStr(v.p))
    const ctx = new Set<string>()
    return str(dirOfStr(st.coerceToString(v, pos, ctx, false, false)), ctx)
  })
  prim('toPath', 1, ([a], pos) => {
    const ctx = new Set<string>()
    const p = st.coerceToPath(a!, pos, ctx)
    return str(p, ctx)
  })
  prim('hashString', 2, ([a, s], pos) => {
    const algo = st.forceStringNoCtx(a!, pos)
    const h = HASH_ALGOS[algo]
    if (h === undefined) throw new NixError('usage', `unknown hash algorithm '${algo}'`)
    const text = st.forceStr(s!, pos)
    return digestHex(h, text)
  })
  prim('hashFile', 2, ([a, p], pos) => {
    const algo = st.forceStringNoCtx(a!, pos)
    const h = HASH_ALGOS[algo]
    if (h === undefined) throw new NixError('usage', `unknown hash algorithm '${algo}'`)
    const path = st.realisePath(p!, pos)
    return digestHex(h, st.io.readFileBytes(path, pos))
  })

  // ------------------------------------------------------------ string context
  prim('unsafeDiscardStringContext', 1, ([a], pos) => st.coerceToString(a!, pos, new Set(), false, true))
  prim('hasContext', 1, ([a], pos) => F(st.forceString(a!, pos)) instanceof NixString)
  prim('unsafeDiscardOutputDependency', 1, ([a], pos) => {
    const ctx = new Set<string>()
    const s = st.coerceToString(a!, pos, ctx, false, true)
    const out = new Set<string>()
    for (const c of ctx) out.add(c.startsWith('=') ? c.slice(1) : c)
    return str(s, out)
  })
  prim('getContext', 1, ([a], pos) => {
    const v = st.forceString(a!, pos)
    const m = new Map<string, { path: boolean; all: boolean; outputs: string[] }>()
    const entry = (p: string): { path: boolean; all: boolean; outputs: string[] } => {
      let e = m.get(p)
      if (e === undefined) m.set(p, e = { path: false, all: false, outputs: [] })
      return e
    }
    if (v instanceof NixString) {
      for (const c of v.ctx) {
        if (c.startsWith('=')) entry(c.slice(1)).all = true
        else if (c.startsWith('!')) {
          const i = c.indexOf('!', 1)
          entry(c.slice(i + 1)).outputs.push(c.slice(1, i))
        } else entry(c).path = true
      }
    }
    const res = new Map<string, Lazy>()
    for (const [p, e] of m) {
      const info: Array<[string, Lazy]> = []
      if (e.all) info.push(['allOutputs', true])
      if (e.outputs.length > 0) info.push(['outputs', e.outputs.sort(byteCompare)])
      if (e.path) info.push(['path', true])
      res.set(p, attrsOf(info))
    }
    return NixAttrs.fromMap(res)
  })
  prim('appendContext', 2, ([a, b], pos) => {
    const ctx = new Set<string>()
    const s = st.forceStr(a!, pos, ctx)
    const set = st.forceAttrs(b!, pos)
    // as Nix 2.8: keys in symbol order, errors at the attributes, names shown as identifiers
    const order = set.shape.symbolOrder()
    for (let k = 0; k < order.length; k++) {
      const slot = order[k]!
      const p = set.shape.names[slot]!
      const keyPos = set.shape.pos[slot]
      if (!isStorePath(p, st.storeDir)) throw new NixError('eval', `Context key '${showId(p)}' is not a store path`, keyPos)
      const info = st.forceAttrs(set.vals[slot]!, keyPos)
      const field = (name: string): [Lazy, PosIdx | undefined] | undefined => {
        const i = info.shape.slotOf(name)
        return i === undefined ? undefined : [info.vals[i]!, info.shape.pos[i]]
      }
      const path = field('path')
      if (path !== undefined && st.forceBool(path[0], path[1])) ctx.add(p)
      const all = field('allOutputs')
      if (all !== undefined && st.forceBool(all[0], all[1])) {
        if (!p.endsWith('.drv')) throw new NixError('eval', `Tried to add all-outputs context of ${showId(p)}, which is not a derivation, to a string`, keyPos)
        ctx.add(`=${p}`)
      }
      const outs = field('outputs')
      if (outs !== undefined) {
        const list = st.forceList(outs[0], outs[1])
        if (list.length > 0 && !p.endsWith('.drv')) throw new NixError('eval', `Tried to add derivation output context of ${showId(p)}, which is not a derivation, to a string`, keyPos)
        for (let i = 0; i < list.length; i++) ctx.add(`!${st.forceStringNoCtx(list[i]!, outs[1])}!${p}`)
      }
    }
    return str(s, ctx)
  })

  // ------------------------------------------------------------ serialisation
  prim('toJSON', 1, ([a], pos) => {
    const ctx = takeContext()
    try {
      return finishString(toJSON(st, a!, ctx, pos), ctx)
    } catch (err) {
      // what was converted before the error is not output here (only `--json` streams it)
      if (err instanceof NixError) err.partialOutput = undefined
      throw err
    }
  })
  prim('fromJSON', 1, ([a], pos) => fromJSON(st.forceStringNoCtx(a!, pos), pos))
  prim('toXML', 1, ([a], pos) => {
    const ctx = new Set<string>()
    return str(toXML(st, a!, true, false, ctx, pos), ctx)
  })
  prim('fromTOML', 1, ([a], pos) => fromTOML(st.forceStringNoCtx(a!, pos), pos))

  // ------------------------------------------------------------ environment and files
  prim('getEnv', 1, ([a], pos) => st.io.getEnv(st.forceStringNoCtx(a!, pos)) ?? '')
  prim('pathExists', 1, ([a], pos) => {
    const p = st.realisePath(a!, pos, false)
    return st.io.pathExists(p)
  })
  prim('readFile', 1, ([a], pos) => {
    const p = st.realisePath(a!, pos)
    const bytes = st.io.readFileBytes(p, pos)
    // Nix strings are C strings; Nix reports this without a position
    if (bytes.includes(0)) throw new NixError('eval', `the contents of the file '${p}' cannot be represented as a Nix string`)
    return bytes.toString('latin1')
  })
  prim('readDir', 1, ([a], pos) => {
    const p = st.realisePath(a!, pos)
    const m = new Map<string, Lazy>()
    for (const [name, type] of st.io.readDir(p, pos)) m.set(name, type)
    return NixAttrs.fromMap(m)
  })
  prim('import', 1, ([a], pos) => st.importPath(st.realisePath(a!, pos), pos))
  prim('scopedImport', 2, ([s, a], pos) => {
    const scope = st.forceAttrs(s!, pos)
    return st.importPath(st.realisePath(a!, pos), pos, scope)
  })
  prim('findFile', 2, ([sp, p], pos) => {
    const path = st.forceStringNoCtx(p!, pos)
    return new NixPath(st.findFile(st.forceList(sp!, pos), path, pos))
  })

  // ------------------------------------------------------------ store (a later issue)
  for (const name of ['derivationStrict', 'toFile', 'filterSource', 'path', 'storePath', 'fetchurl', 'fetchTarball', 'fetchGit', 'fetchMercurial', 'fetchTree']) {
    const arity = name === 'toFile' || name === 'filterSource' ? 2 : 1
    prim(name, arity, notSupported(name))
  }
  prim('placeholder', 1, ([a], pos) => {
    const out = st.forceStringNoCtx(a!, pos)
    return `/${nix32(digest('sha256', `nix-output:${out}`))}`
  })

  // `derivation` is written in Nix; EvalState puts it in this slot
  add('derivation', null)
  builtins.set('builtins', null)
  const builtinsSet = NixAttrs.fromMap(builtins)
  builtinsSet.vals[builtinsSet.shape.slotOf('builtins')!] = builtinsSet
  st.base.set('builtins', builtinsSet)
}


/** A Nix integer converted to a C int, as C++ does: its low 32 bits, signed. */
function int32(x: number | bigint): number {
  return typeof x === 'number' ? x | 0 : Number(BigInt.asIntN(32, x))
}

function toIntChecked(x: number): number | bigint {
  // (`+ 0`: `ceil (-0.5)` is -0 in JS, and an integer has no -0)
  if (Number.isSafeInteger(x)) return x + 0
  // out of range (or NaN): what x86's conversion gives, and so Nix 2.8
  if (!(x >= -(2 ** 63) && x < 2 ** 63)) return -9223372036854775808n
  return normInt(BigInt(x))
}


