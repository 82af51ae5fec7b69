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

/** A thunk that is already evaluated (used to give values a shared identity). */
export function evaluated(v: Value): Thunk {
  const t = new Thunk(BLACKHOLE, null)
  t.c = null
  t.v = v
  return t
}

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
  t.v = v
  t.c = null
  t.e = null
  return v
}

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
 * The layout of attribute sets: names → slots, with definition positions. Attribute-set
 * literals share one shape per source location, so building one allocates only its values.
 */
export class Shape {
  /** Names by slot. */
  readonly names: string[]
  /** name → slot for larger shapes; small ones are searched linearly (no Map to allocate). */
  private readonly index: Map<string, number> | null
  /** Definition positions by slot (undefined when unknown). */
  readonly pos: Array<PosIdx | undefined>
  /** Where the attribute set literal is (for sets built by builtins: unknown). */
  origin: PosIdx | undefined = undefined
  private sortedNames: string[] | null = null
  private sortedSlots: number[] | null = null
  constructor(names: string[], index: Map<string, number> | null, pos: Array<PosIdx | undefined>) {
    this.names = names
    this.index = names.length > SMALL_SHAPE ? index ?? indexOf(names) : null
    this.pos = pos
  }

  static of(names: string[], pos?: Array<PosIdx | undefined>): Shape {
    return new Shape(names, null, pos ?? new Array<PosIdx | undefined>(names.length))
  }

  /** The slot of `name`, if the shape has it. */
  slotOf(name: string): number | undefined {
    if (this.index !== null) return this.index.get(name)
    const names = this.names
    for (let i = 0; i < names.length; i++) if (names[i] === name) return i
    return undefined
  }

  /** name → slot, read-only: the shape's own index (made for small shapes). */
  readIndex(): ReadonlyMap<string, number> {
    return this.index ?? indexOf(this.names)
  }

  /** A Map from names to slots (a copy for small shapes). */
  toIndex(): Map<string, number> {
    return this.index !== null ? new Map(this.index) : indexOf(this.names)
  }

  /** Names in byte order. */
  sorted(): string[] {
    if (this.sortedNames === null) this.sortedNames = this.names.slice().sort(byteCompare)
    return this.sortedNames
  }

  /** Slots in the byte order of their names. */
  slots(): number[] {
    if (this.sortedSlots === null) this.sortedSlots = this.sorted().map((n) => this.slotOf(n)!)
    return this.sortedSlots
  }
}

/** Shapes up to this size have no index Map. */
const SMALL_SHAPE = 8

function indexOf(names: readonly string[]): Map<string, number> {
  const index = new Map<string, number>()
  for (let i = 0; i < names.length; i++) index.set(names[i]!, i)
  return index
}

/** An attribute set: a shape and one lazy value per slot; iterated in byte order of names. */
export class NixAttrs {
  readonly shape: Shape
  readonly vals: Lazy[]
  constructor(shape: Shape, vals: Lazy[]) {
    this.shape = shape
    this.vals = vals
  }

  /** Build from a map of names to values (and optionally positions). */
  static fromMap(m: ReadonlyMap<string, Lazy>, pos?: ReadonlyMap<string, PosIdx> | null): NixAttrs {
    const names = [...m.keys()]
    const p = pos == null ? undefined : names.map((n) => pos.get(n))
    return new NixAttrs(Shape.of(names, p), [...m.values()])
  }

  /** Build from [name, value] pairs (names must be distinct). */
  static of(entries: ReadonlyArray<readonly [string, Lazy]>): NixAttrs {
    return new NixAttrs(Shape.of(entries.map((e) => e[0])), entries.map((e) => e[1]))
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
  /** Names sorted by bytes. */
  keys(): string[] {
    return this.shape.sorted()
  }
  get size(): number {
    return this.vals.length
  }
}

/** Builds an attribute set name by name. */
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
    if (this.index !== null) this.index.set(name, this.names.length)
    this.names.push(name)
    this.vals.push(v)
    this.pos.push(pos)
    if (this.index === null && this.names.length > SMALL_SHAPE) this.index = indexOf(this.names)
  }
  finish(): NixAttrs {
    return new NixAttrs(new Shape(this.names, this.index, this.pos), this.vals)
  }
}

export const EMPTY_ATTRS: NixAttrs = new NixAttrs(Shape.of([]), [])

export function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The compiled form of a lambda expression (shared by all closures of it). */
export interface LambdaInfo {
  pos: PosIdx
  name: string | undefined
  /** Simple `x: …` argument, or the `@` name; its slot is 0. */
  arg: string | undefined
  formals: Array<{ name: string; def: ((env: Env) => Lazy) | undefined; pos: PosIdx }> | undefined
  ellipsis: boolean
  nslots: number
  body: Code
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

/** Build a string value: plain when the context is empty. */
export function mkString(s: string, ctx: ReadonlySet<string> | undefined): string | NixString {
  return ctx === undefined || ctx.size === 0 ? s : new NixString(s, ctx)
}
