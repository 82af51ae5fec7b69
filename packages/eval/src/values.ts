/**
 * Nix values. Representation, chosen for speed:
 * - integers: JS `number` while |x| < 2^53, `bigint` beyond (always wrapped to 64 bits);
 * - floats: `NixFloat`; Booleans: `boolean`; null: `null`;
 * - strings: a byte string (`string`, one char per byte) or `NixString` when it has a context;
 * - paths: `NixPath`; lists: `Lazy[]`; attribute sets: `NixAttrs`;
 * - functions: `Lambda`, `PrimOp`, `PrimOpApp`.
 * A `Lazy` is a value or a `Thunk` (delayed computation, memoised, blackholed while running).
 */
import type { PosIdx } from './source.js'
import { NixError } from './errors.js'
import { symbolId } from './symbols.js'

/**
 * Run-time environment: one array per scope, slot 0 holding the parent environment (or null)
 * and slots 1… the variables (lazy values). One allocation per function call or `let`.
 */
export type Env = unknown[]

/** Compiled code: evaluates an expression in an environment to weak head normal form. */
export type Code = (env: Env) => Value

const BLACKHOLE: Code = () => {
  throw new NixError('infinite-recursion', 'infinite recursion encountered')
}

/**
 * A delayed computation. `c === null` once evaluated (then `v` holds the value).
 * Before evaluation, `c(e, this)` computes the value; application thunks (see
 * `Evaluator.app1`) keep the function in `e` and the argument in `v` to save allocations.
 */
export class Thunk {
  c: Code | null
  e: unknown
  v: Value
  constructor(c: Code, e: unknown) {
    this.c = c
    this.e = e
    this.v = null
  }
}

/**
 * Code of a lazy value: a function run at once for it (a constant), a `LocalRef` (a
 * variable's slot), or a `Delayed`, whose code becomes a thunk. A `Delayed` is one small
 * object, where a closure making the thunk would be a function and its context: compiled code
 * is mostly these.
 */
export type LazyCode = ((env: Env) => Lazy) | Delayed | LocalRef

export class Delayed {
  readonly c: Code
  constructor(c: Code) {
    this.c = c
  }
}

/**
 * A local variable, `level` environments up in `slot`, read where it is compiled (`pos` is
 * where forcing it reports infinite recursion). Variables are a third of a program's nodes:
 * this object replaces a closure and its context for each.
 */
export class LocalRef {
  /** (No code: where `lazyValue` tells it from a `Delayed`, with one load for both.) */
  readonly c: null
  readonly level: number
  readonly slot: number
  readonly pos: PosIdx
  constructor(level: number, slot: number, pos: PosIdx) {
    this.c = null
    this.level = level
    this.slot = slot
    this.pos = pos
  }
}

/** The environment `level` scopes up from `env`. */
export function envAt(env: Env, level: number): Env {
  let e = env
  for (let i = 0; i < level; i++) e = e[0] as Env
  return e
}

/** The value of a local variable, forced. */
export function readLocal(env: Env, r: LocalRef): Value {
  const x = envAt(env, r.level)[r.slot] as Lazy
  return x instanceof Thunk ? (x.c === null ? x.v : forceThunk(x, r.pos)) : x
}

/** The lazy value `l` makes in `env`. */
export function lazyValue(l: LazyCode, env: Env): Lazy {
  if (typeof l === 'function') return l(env)
  if (l.c !== null) return new Thunk(l.c, env)
  return localValue(l as LocalRef, env)
}

/** A local variable's slot, as it is. (Apart from `lazyValue`, which is inlined everywhere.) */
function localValue(l: LocalRef, env: Env): Lazy {
  return (envAt(env, l.level)[l.slot] as Lazy | undefined) ?? unfilledLocal(l, env)
}

/**
 * A variable whose slot is not filled yet, while its `let` or `rec` is set up (`let x = y;
 * y = …;`, rare): a thunk that reads it. (A closure in `localValue` would put `l` into a
 * context allocated at each call.)
 */
function unfilledLocal(l: LocalRef, env: Env): Thunk {
  return new Thunk((env2) => readLocal(env2, l), env)
}

/**
 * A value Nix 2.8 computes when it starts (the `derivation` function, written in Nix) and we
 * compute when it is first used: printers force it, since Nix always shows it evaluated.
 */
export class StartupThunk extends Thunk {}

/** Force a lazy value to weak head normal form. */
export function force(x: Lazy): Value {
  if (x instanceof Thunk) return x.c === null ? x.v : forceThunk(x, undefined)
  return x
}

/** Force a thunk; `pos` is where it was needed (for the infinite-recursion message). */
export function forceThunk(t: Thunk, pos: PosIdx | undefined): Value {
  const c = t.c
  if (c === null) return t.v
  if (c === BLACKHOLE) throw new NixError('infinite-recursion', 'infinite recursion encountered', pos)
  const e = t.e as Env
  t.c = BLACKHOLE
  let v: Value
  try {
    v = (c as (e: Env, t: Thunk) => Value)(e, t)
  } catch (err) {
    t.c = c
    throw err
  }
  // A list of one or two elements is held inside Nix's value cell, so each cell evaluated to
  // it has its own copy: printing shows it again where a longer list (or a set) is «repeated».
  if (Array.isArray(v) && v.length <= 2 && v.length > 0) v = v.slice()
  t.v = v
  t.c = null
  t.e = null
  return v
}

const floatBits = new Float64Array(1)
const floatBytes = new Uint8Array(floatBits.buffer)

/** Whether a float's sign bit is set (the only way to tell `nan` from `-nan`). */
export function signBit(v: number): boolean {
  floatBits[0] = v
  return (floatBytes[7]! & 0x80) !== 0
}

/** A NaN with the sign bit set: what x86 arithmetic makes of `inf - inf` (printed `-nan`). */
export const NEGATIVE_NAN: number = new Float64Array(new BigUint64Array([0xfff8000000000000n]).buffer)[0]!

export class NixFloat {
  readonly v: number
  constructor(v: number) {
    this.v = v
  }
}

/** A string with a non-empty context (the store paths it refers to). */
export class NixString {
  readonly s: string
  /** Context elements as Nix encodes them: `/nix/store/…` (path), `=…drv` (all outputs), `!out!…drv`. */
  readonly ctx: ReadonlySet<string>
  constructor(s: string, ctx: ReadonlySet<string>) {
    this.s = s
    this.ctx = ctx
  }
}

export class NixPath {
  readonly p: string
  constructor(p: string) {
    this.p = p
  }
}

/**
 * The names of attribute sets, in byte order (slot `i` holds `names[i]`, so iteration needs no
 * sorting), and what follows from the names alone: lookups, the symbol order, the plans of
 * `a // b`. Sets with the same names share one layout wherever they were made (the compiler
 * makes one per distinct list of names; `//` and `removeAttrs` reuse the layouts they made
 * before), so a lookup site sees few layouts and most `//` copy values by a known plan.
 * Names are found by linear search in small layouts, binary search in larger ones, and a
 * hash index in large ones searched often.
 */
export class Layout {
  /** Distinct names, in byte order. */
  readonly names: readonly string[]
  /** Binary searches so far: a large layout searched often gets a hash index. */
  private searches = 0
  private index: Map<string, number> | null
  private bySymbol: number[] | undefined = undefined
  /** Recent `a // b` plans for sets `a` of this layout, by `b`'s layout (code repeats its updates). */
  private merges: Merge[] | undefined = undefined
  /** Recent subsets (`removeAttrs`, `intersectAttrs`), by their slots. */
  private picks: Array<{ slots: readonly number[]; layout: Layout }> | undefined = undefined
  /** What `toJSON` (print.ts) works out once for sets of this layout. */
  json: JsonLayout | undefined = undefined

  /** `names` must be distinct and in byte order; `index`, if given, maps each name to its slot. */
  constructor(names: readonly string[], index: Map<string, number> | null = null) {
    this.names = names
    this.index = index
  }

  /** The slot of `name`, if the layout has it. */
  slotOf(name: string): number | undefined {
    const names = this.names
    let hi = names.length
    if (hi <= SMALL_LAYOUT) {
      for (let i = 0; i < hi; i++) if (names[i] === name) return i
      return undefined
    }
    if (this.index !== null) return this.index.get(name)
    if (hi > INDEXED_LAYOUT && ++this.searches > INDEXED_LAYOUT) {
      const index = new Map<string, number>()
      for (let i = 0; i < hi; i++) index.set(names[i]!, i)
      this.index = index
      return index.get(name)
    }
    let lo = 0
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = names[mid]!
      if (m === name) return mid
      if (m < name) lo = mid + 1
      else hi = mid
    }
    return undefined
  }

  /** The slots in the symbol order of their names (the order Nix forces them in), made once. */
  symbolOrder(): readonly number[] {
    if (this.bySymbol === undefined) {
      const ids = this.names.map(symbolId)
      const slots = ids.map((_, i) => i)
      this.bySymbol = slots.sort((a, b) => ids[a]! - ids[b]!)
    }
    return this.bySymbol
  }

  /** The plan of `a // b` for sets `a` of this layout and `b` of layout `b`, if they met before. */
  mergeWith(b: Layout): Merge | undefined {
    const merges = this.merges
    if (merges === undefined) return undefined
    for (let i = 0; i < merges.length; i++) if (merges[i]!.b === b) return merges[i]!
    return undefined
  }

  /** Remember the plan of `a // b` (most recent first; a few are kept). */
  rememberMerge(m: Merge): void {
    const merges = this.merges
    if (merges === undefined) this.merges = [m]
    else {
      if (merges.length >= MERGES_KEPT) merges.pop()
      merges.unshift(m)
    }
  }

  /**
   * The layout of the names in `slots` (ascending), the same one as last time for the same
   * slots of a small layout (`removeAttrs` of a package's arguments; subsets of a large one,
   * `intersectAttrs (functionArgs f) pkgs`, are mostly each different).
   */
  picked(slots: readonly number[]): Layout {
    const picks = this.picks
    if (picks !== undefined) {
      for (let p = 0; p < picks.length; p++) if (sameSlots(picks[p]!.slots, slots)) return picks[p]!.layout
    }
    const names: string[] = new Array(slots.length)
    for (let k = 0; k < slots.length; k++) names[k] = this.names[slots[k]!]!
    const layout = new Layout(names)
    if (this.names.length > INDEXED_LAYOUT) return layout
    const entry = { slots: slots.slice(), layout }
    if (picks === undefined) this.picks = [entry]
    else {
      if (picks.length >= MERGES_KEPT) picks.pop()
      picks.unshift(entry)
    }
    return layout
  }
}

/** A layout as `toJSON` writes it. */
export interface JsonLayout {
  /** Each name as a JSON key with its `:` (and, after the first, the `,` before it). */
  readonly keys: readonly string[]
  /** The slots of `__toString` and `outPath` (-1: none), which change how a set converts. */
  readonly toStringSlot: number
  readonly outPathSlot: number
}

function sameSlots(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The layouts of the compiler's attribute-set literals, one per distinct list of names (the
 * literals of a package set repeat the same few; large ones have their own).
 */
export class LayoutTable {
  private readonly bySorted = new Map<string, Layout>()
  /** Literals' names in source order, a name per level (no key strings to build). */
  private readonly bySource: SourceNames = { next: undefined, layout: undefined, order: undefined }

  /** The layout of `names` (distinct, in byte order). */
  private of(names: readonly string[]): Layout {
    // (JSON: names may contain any character, a separator could be ambiguous)
    const key = JSON.stringify(names)
    let layout = this.bySorted.get(key)
    if (layout === undefined) {
      layout = new Layout(names)
      this.bySorted.set(key, layout)
    }
    return layout
  }

  /**
   * A literal's shape, from its names in source order and their definitions (positions), and
   * the order of its slots (see `Shape.sort`; the same names in the same order are sorted once).
   */
  literal(names: readonly string[], defs: ReadonlyArray<{ readonly pos: PosIdx }>): { shape: Shape; order: readonly number[] } {
    // (a large literal, such as a package set's, is one of a kind)
    if (names.length > INDEXED_LAYOUT) return Shape.sort(names, defs.map((d) => d.pos))
    let known = this.bySource
    for (let i = 0; i < names.length; i++) {
      const next = known.next ??= new Map()
      let node = next.get(names[i]!)
      if (node === undefined) {
        node = { next: undefined, layout: undefined, order: undefined }
        next.set(names[i]!, node)
      }
      known = node
    }
    let order = known.order
    if (order === undefined) {
      const sorted = Shape.sort(names)
      known.layout = this.of(sorted.shape.names)
      known.order = order = sorted.order
    }
    const sortedPos: Array<PosIdx | undefined> = new Array(order.length)
    for (let i = 0; i < order.length; i++) sortedPos[i] = defs[order[i]!]!.pos
    return { shape: new Shape(known.layout!, sortedPos), order }
  }
}

interface SourceNames {
  next: Map<string, SourceNames> | undefined
  layout: Layout | undefined
  order: readonly number[] | undefined
}

/**
 * The plan of `a // b` by layouts: slot `k` of the result is `a`'s slot `from[k]` if ≥ 0,
 * else `b`'s slot `~from[k]`. `from` is worked out when the same layouts meet a second time
 * (many merges happen once). The last pair of shapes merged and their result are kept: a
 * call site that merges the same two literals again reuses it, positions and all.
 */
export interface Merge {
  readonly b: Layout
  readonly layout: Layout
  from: number[] | null
  lastA: Shape
  lastB: Shape
  last: Shape
}

/** How many `//` plans (and subsets) a layout keeps. */
const MERGES_KEPT = 4

/** Where each slot of `merged` (the layout of `a // b`) comes from (see `Merge`). */
export function mergeSources(a: Layout, b: Layout, merged: Layout): number[] {
  const n = merged.names.length
  const from: number[] = new Array(n)
  let i = 0
  let j = 0
  for (let k = 0; k < n; k++) {
    const name = merged.names[k]!
    if (j < b.names.length && b.names[j] === name) {
      if (i < a.names.length && a.names[i] === name) i++
      from[k] = ~j++
    } else from[k] = i++
  }
  return from
}

/** Layouts up to this size are searched linearly. */
const SMALL_LAYOUT = 8
/** Layouts beyond this size get a hash index after this many binary searches. */
const INDEXED_LAYOUT = 64

function isSorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) return false
  return true
}

/**
 * A layout with the definition positions of its names (and, for a literal, its own): what
 * messages and `unsafeGetAttrPos` report. Attribute-set literals have one shape per source
 * location, so building one allocates only its values.
 */
export class Shape {
  readonly layout: Layout
  /** The layout's names (here too: the most read field). */
  readonly names: readonly string[]
  /** Definition positions by slot (undefined when unknown). */
  readonly pos: ReadonlyArray<PosIdx | undefined>
  /** Where the attribute set literal is (for sets built by builtins: unknown). */
  origin: PosIdx | undefined = undefined
  private unpositioned: Shape | undefined = undefined
  private originless: Shape | undefined = undefined

  constructor(layout: Layout, pos: ReadonlyArray<PosIdx | undefined>) {
    this.layout = layout
    this.names = layout.names
    this.pos = pos
  }

  /**
   * The shape of names in any order: the shape and, for each of its slots, the index of its
   * name in `names` (to put the values in the same order).
   */
  static sort(names: readonly string[], pos?: ReadonlyArray<PosIdx | undefined>): { shape: Shape; order: number[] } {
    const n = names.length
    const order: number[] = new Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    if (!isSorted(names)) {
      if (n <= SMALL_LAYOUT) {
        // insertion sort of the few indices
        for (let i = 1; i < n; i++) {
          const x = order[i]!
          let j = i - 1
          while (j >= 0 && names[order[j]!]! > names[x]!) { order[j + 1] = order[j]!; j-- }
          order[j + 1] = x
        }
      } else {
        // the default sort compares UTF-16 code units (byte order for byte strings) without
        // comparator calls
        const sorted = names.slice().sort()
        const at = new Map<string, number>()
        for (let i = 0; i < n; i++) at.set(names[i]!, i)
        for (let i = 0; i < n; i++) order[i] = at.get(sorted[i]!)!
      }
    }
    const sortedNames: string[] = new Array(n)
    const sortedPos: Array<PosIdx | undefined> = new Array(n)
    for (let i = 0; i < n; i++) {
      sortedNames[i] = names[order[i]!]!
      sortedPos[i] = pos?.[order[i]!]
    }
    return { shape: new Shape(new Layout(sortedNames), sortedPos), order }
  }

  /**
   * The shape without the literal's position: for a set made from another one (`mapAttrs`,
   * `//`), which in Nix has no position of its own.
   */
  withoutOrigin(): Shape {
    if (this.origin === undefined) return this
    this.originless ??= new Shape(this.layout, this.pos)
    return this.originless
  }

  /** The same names without positions (what `mapAttrs` makes), made once per shape. */
  withoutPositions(): Shape {
    this.unpositioned ??= new Shape(this.layout, new Array<PosIdx | undefined>(this.names.length))
    return this.unpositioned
  }

  /** The slot of `name`, if the shape has it. */
  slotOf(name: string): number | undefined {
    return this.layout.slotOf(name)
  }

  /** The slots in the symbol order of their names (see `Layout.symbolOrder`). */
  symbolOrder(): readonly number[] {
    return this.layout.symbolOrder()
  }
}

/** An attribute set: a shape and one lazy value per slot (in byte order of the names). */
export class NixAttrs {
  readonly shape: Shape
  readonly vals: Lazy[]
  constructor(shape: Shape, vals: Lazy[]) {
    this.shape = shape
    this.vals = vals
  }

  /** Build from a map of distinct names to values (and optionally positions). */
  static fromMap(m: ReadonlyMap<string, Lazy>, pos?: ReadonlyMap<string, PosIdx> | null): NixAttrs {
    const names = [...m.keys()]
    const vals = [...m.values()]
    const { shape, order } = Shape.sort(names, pos == null ? undefined : names.map((n) => pos.get(n)))
    const sortedVals: Lazy[] = new Array(order.length)
    for (let i = 0; i < order.length; i++) sortedVals[i] = vals[order[i]!]!
    return new NixAttrs(shape, sortedVals)
  }

  /** Build from [name, value] pairs (names must be distinct). */
  static of(entries: ReadonlyArray<readonly [string, Lazy]>): NixAttrs {
    return NixAttrs.fromMap(new Map(entries))
  }

  /** A new set of the given slots (in ascending order, so the names stay sorted). */
  pick(slots: readonly number[]): NixAttrs {
    const n = slots.length
    // all of them: same names and positions
    if (n === this.vals.length) return new NixAttrs(this.shape.withoutOrigin(), this.vals.slice())
    const shape = this.shape
    const pos: Array<PosIdx | undefined> = new Array(n)
    const vals: Lazy[] = new Array(n)
    for (let k = 0; k < n; k++) {
      const i = slots[k]!
      pos[k] = shape.pos[i]
      vals[k] = this.vals[i]!
    }
    return new NixAttrs(new Shape(shape.layout.picked(slots), pos), vals)
  }

  get(name: string): Lazy | undefined {
    const i = this.shape.slotOf(name)
    return i === undefined ? undefined : this.vals[i]
  }
  has(name: string): boolean {
    return this.shape.slotOf(name) !== undefined
  }
  /** Where the attribute was defined, if known. */
  posOf(name: string): PosIdx | undefined {
    const i = this.shape.slotOf(name)
    return i === undefined ? undefined : this.shape.pos[i]
  }
  /** Names in byte order (the shape's own array: do not modify). */
  keys(): readonly string[] {
    return this.shape.names
  }
  get size(): number {
    return this.vals.length
  }
}

/** Builds an attribute set name by name (a later `set` of a name replaces the earlier one). */
export class AttrsBuilder {
  private readonly names: string[] = []
  private index: Map<string, number> | null = null
  private readonly pos: Array<PosIdx | undefined> = []
  private readonly vals: Lazy[] = []

  private slotOf(name: string): number | undefined {
    if (this.index !== null) return this.index.get(name)
    const names = this.names
    for (let i = 0; i < names.length; i++) if (names[i] === name) return i
    return undefined
  }
  has(name: string): boolean {
    return this.slotOf(name) !== undefined
  }
  /** Set (or replace) an attribute. */
  set(name: string, v: Lazy, pos?: PosIdx): void {
    const i = this.slotOf(name)
    if (i !== undefined) {
      this.vals[i] = v
      this.pos[i] = pos
      return
    }
    this.append(name, v, pos)
  }
  /** Add an attribute unless the name is already there (the first one wins); true if added. */
  add(name: string, v: Lazy, pos?: PosIdx): boolean {
    if (this.slotOf(name) !== undefined) return false
    this.append(name, v, pos)
    return true
  }
  private append(name: string, v: Lazy, pos: PosIdx | undefined): void {
    if (this.index !== null) this.index.set(name, this.names.length)
    this.names.push(name)
    this.vals.push(v)
    this.pos.push(pos)
    if (this.index === null && this.names.length > SMALL_LAYOUT) {
      const index = new Map<string, number>()
      for (let j = 0; j < this.names.length; j++) index.set(this.names[j]!, j)
      this.index = index
    }
  }
  finish(): NixAttrs {
    const names = this.names
    const n = names.length
    if (isSorted(names)) return new NixAttrs(new Shape(new Layout(names, n > INDEXED_LAYOUT ? this.index : null), this.pos), this.vals)
    // the default sort compares UTF-16 code units: byte order for byte strings
    const sorted = names.slice().sort()
    const index = this.index
    const pos: Array<PosIdx | undefined> = new Array(n)
    const vals: Lazy[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const name = sorted[i]!
      const j = index !== null ? index.get(name)! : names.indexOf(name)
      pos[i] = this.pos[j]
      vals[i] = this.vals[j]!
      // the builder's index becomes the shape's (same names, new slots)
      if (index !== null) index.set(name, i)
    }
    return new NixAttrs(new Shape(new Layout(sorted, n > INDEXED_LAYOUT ? index : null), pos), vals)
  }
}

export const EMPTY_ATTRS: NixAttrs = new NixAttrs(new Shape(new Layout([]), []), [])

export function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The compiled form of a lambda expression (shared by all closures of it). */
export interface LambdaInfo {
  pos: PosIdx
  name: string | undefined
  /** Simple `x: …` argument, or the `@` name; its slot is 0. */
  arg: string | undefined
  formals: Array<{ name: string; def: LazyCode | undefined; pos: PosIdx }> | undefined
  ellipsis: boolean
  nslots: number
  body: Code
  /** `builtins.functionArgs` of the lambda (its closures share it; callers copy it), made on first use. */
  functionArgs: NixAttrs | undefined
  /** The layout of the last argument set the formals were bound from… */
  argLayout: Layout | undefined
  /** …and each formal's slot in it (-1: absent); `argUsed` of its names are formals. */
  argSlots: number[]
  argUsed: number
}

export class Lambda {
  readonly info: LambdaInfo
  readonly env: Env
  constructor(info: LambdaInfo, env: Env) {
    this.info = info
    this.env = env
  }
}

/** A built-in function: `fn` gets exactly `arity` lazy arguments. `name` is without `__`. */
export class PrimOp {
  readonly name: string
  readonly arity: number
  readonly fn: (args: Lazy[], pos: PosIdx | undefined) => Value
  constructor(name: string, arity: number, fn: (args: Lazy[], pos: PosIdx | undefined) => Value) {
    this.name = name
    this.arity = arity
    this.fn = fn
  }
}

/** A partially applied built-in function. */
export class PrimOpApp {
  readonly op: PrimOp
  readonly args: Lazy[]
  constructor(op: PrimOp, args: Lazy[]) {
    this.op = op
    this.args = args
  }
}

export type Value =
  | null | boolean | number | bigint | string
  | NixFloat | NixString | NixPath | Lazy[] | NixAttrs | Lambda | PrimOp | PrimOpApp

export type Lazy = Value | Thunk

/**
 * A list passed on unchanged (`l ++ [ ]`, `filter` keeping all), as Nix passes it: the same list,
 * except that Nix keeps lists of one or two elements inside the value it copies, so printing does
 * not see those as the same list («repeated»).
 */
export function sameList(l: Lazy[]): Lazy[] {
  return l.length <= 2 ? l.slice() : l
}

/** Nix's type name as `builtins.typeOf` returns it. */
export function typeOf(v: Value): string {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'boolean': return 'bool'
    case 'number': case 'bigint': return 'int'
    case 'string': return 'string'
    default:
  }
  if (v instanceof NixString) return 'string'
  if (v instanceof NixFloat) return 'float'
  if (v instanceof NixPath) return 'path'
  if (Array.isArray(v)) return 'list'
  if (v instanceof NixAttrs) return 'set'
  return 'lambda'
}

/** The type as Nix's error messages name it: "an integer", "a set", "the built-in function 'map'". */
export function showType(v: Value): string {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'boolean': return 'a Boolean'
    case 'number': case 'bigint': return 'an integer'
    case 'string': return 'a string'
    default:
  }
  if (v instanceof NixString) return 'a string with context'
  if (v instanceof NixFloat) return 'a float'
  if (v instanceof NixPath) return 'a path'
  if (Array.isArray(v)) return 'a list'
  if (v instanceof NixAttrs) return 'a set'
  if (v instanceof PrimOp) return `the built-in function '${v.name}'`
  if (v instanceof PrimOpApp) return `the partially applied built-in function '${v.op.name}'`
  return 'a function'
}

/** Normalise a 64-bit result computed with BigInt: wrap, then use a number when it is safe. */
export function normInt(x: bigint): number | bigint {
  const w = BigInt.asIntN(64, x)
  return w >= -9007199254740991n && w <= 9007199254740991n ? Number(w) : w
}

export function isInt(v: Value): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint'
}

export function isString(v: Value): v is string | NixString {
  return typeof v === 'string' || v instanceof NixString
}

export function isFunction(v: Value): v is Lambda | PrimOp | PrimOpApp {
  return v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp
}

/** The bytes of a string value, without its context. */
export function strOf(v: string | NixString): string {
  return typeof v === 'string' ? v : v.s
}

/** Empty context collectors, reused: most strings built by builtins have no context. */
const contextPool: Array<Set<string>> = []

/** A context collector for building one string (give it back with `finishString`). */
export function takeContext(): Set<string> {
  return contextPool.pop() ?? new Set<string>()
}

/**
 * The string value of `s` with the context collected in `ctx` (from `takeContext`): an empty
 * collector goes back to the pool, a non-empty one becomes the string's context.
 */
export function finishString(s: string, ctx: Set<string>): string | NixString {
  if (ctx.size > 0) return new NixString(s, ctx)
  if (contextPool.length < 32) contextPool.push(ctx)
  return s
}

/** Give back a collector whose context is not needed. */
export function discardContext(ctx: Set<string>): void {
  ctx.clear()
  if (contextPool.length < 32) contextPool.push(ctx)
}

/** Build a string value: plain when the context is empty. */
export function mkString(s: string, ctx: ReadonlySet<string> | undefined): string | NixString {
  return ctx === undefined || ctx.size === 0 ? s : new NixString(s, ctx)
}
