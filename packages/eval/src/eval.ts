/**
 * The evaluator. Expressions are compiled once into JS closures (`Code`), with variables
 * resolved at compile time to (depth, slot) pairs, or to constants for built-ins; only
 * variables under `with` are looked up by name at run time. Values are lazy (`Thunk`).
 * Semantics follow Nix 2.8's eval.cc.
 */
import type { AttrDef, AttrName, DynAttrDef, Expr, ExprAttrs, ExprLambda, Formal, LazyExpr } from './ast.js'
import { bodyOf, showExpr, showId as showIdOf, toFixedC } from './ast.js'
import { NixError, NixSyntaxError, suggest } from './errors.js'
import { canonPath, resolvePos, showPos, type PosIdx } from './source.js'
import {
  Lambda, Layout, LayoutTable, Shape, AttrsBuilder, NixAttrs, NixFloat, NixPath, NixString, PrimOp, PrimOpApp, Thunk, Delayed,
  LocalRef, envAt, forceThunk, lazyValue, readLocal, normInt, showType, takeContext, finishString, signBit, NEGATIVE_NAN, sameList, mergeSources,
  type Code, type Env, type LambdaInfo, type Lazy, type LazyCode, type Value,
} from './values.js'

/** Compile-time scope: one per run-time `Env` level. `names === null` marks a `with`. */
class Scope {
  readonly up: Scope | null
  readonly names: ReadonlyMap<string, number> | null
  /** For a `with`: where its set expression is (forcing it is reported there). */
  readonly withPos: PosIdx | undefined
  /** The `with`s around this scope, innermost first (made once: all their variables share it). */
  private withs: { levels: number[]; poss: Array<PosIdx | undefined> } | undefined
  constructor(up: Scope | null, names: ReadonlyMap<string, number> | null, withPos?: PosIdx) {
    this.up = up
    this.names = names
    this.withPos = withPos
    this.withs = undefined
  }

  withsAround(): { levels: number[]; poss: Array<PosIdx | undefined> } {
    if (this.withs === undefined) {
      const levels: number[] = []
      const poss: Array<PosIdx | undefined> = []
      let level = 0
      for (let s: Scope | null = this; s !== null; s = s.up, level++) {
        if (s.names === null) { levels.push(level); poss.push(s.withPos) }
      }
      // (copies: arrays built with push have room for 16 more elements, and compiled code lives long)
      this.withs = { levels: levels.slice(), poss: poss.slice() }
    }
    return this.withs
  }
}

/** An `inherit x;` of a `let` or `rec`: code run in the environment around it. */
class Inherited {
  readonly c: LazyCode
  constructor(c: LazyCode) {
    this.c = c
  }
}

/**
 * A binding of a `let` or `rec`: a string or number constant as it is, code run in the new
 * environment, or `Inherited` code (no object per binding: there are as many as attributes).
 */
type Binding = string | number | bigint | LazyCode | Inherited

/** The environment of a `let` or `rec`: the parent in slot 0, then each binding's value. */
function bindingsEnv(defs: readonly Binding[], env: Env): Env {
  const n = defs.length
  const env2: Env = new Array(n + 1)
  env2[0] = env
  for (let i = 0; i < n; i++) {
    const d = defs[i]!
    if (typeof d !== 'object' && typeof d !== 'function') env2[i + 1] = d
    else if (d instanceof Inherited) env2[i + 1] = lazyValue(d.c, env)
    else env2[i + 1] = lazyValue(d, env2)
  }
  return env2
}

const DUMMY_ENV: Env = [null]

// Code closures are made by module-level functions taking exactly what they capture: a
// closure made inside a compile method would keep that method's whole context (the
// evaluator, the scope, block contexts) alive, one or two extra objects per syntax node.

/** The value of a literal that needs no evaluation (int, string, float, path), else undefined. */
function constantOf(e: Expr): Lazy | undefined {
  switch (e.k) {
    case 'int': case 'str': return e.v
    case 'float': return new NixFloat(e.v)
    case 'path': return new NixPath(e.v)
    default: return undefined
  }
}

/** Code of a constant. */
function constCode<T extends Lazy>(v: T): () => T {
  return () => v
}

/** A built-in constant, forced where it is used (`derivation` is a thunk). */
function baseVarCode(v: Lazy, pos: PosIdx): Code {
  if (v instanceof Thunk) return () => (v.c === null ? v.v : forceThunk(v, pos))
  return () => v
}

/** A variable `level` environments up, in `slot`, forced. */
function localVarCode(level: number, slot: number, pos: PosIdx): Code {
  switch (level) {
    case 0: return (env) => {
      const x = env[slot] as Lazy
      return x instanceof Thunk ? (x.c === null ? x.v : forceThunk(x, pos)) : x
    }
    case 1: return (env) => {
      const x = (env[0] as Env)[slot] as Lazy
      return x instanceof Thunk ? (x.c === null ? x.v : forceThunk(x, pos)) : x
    }
    case 2: return (env) => {
      const x = ((env[0] as Env)[0] as Env)[slot] as Lazy
      return x instanceof Thunk ? (x.c === null ? x.v : forceThunk(x, pos)) : x
    }
    default: return (env) => {
      const x = envAt(env, level)[slot] as Lazy
      return x instanceof Thunk ? (x.c === null ? x.v : forceThunk(x, pos)) : x
    }
  }
}

/** `with attrs; body`. */
function withCode(attrs: LazyCode, body: Code): Code {
  return (env) => body([env, lazyValue(attrs, env)])
}

/**
 * A list literal: `template` holds its constant elements, `codes` compute those at `slots`;
 * without a template, `codes` compute every element, in order.
 */
function listCode(template: Lazy[] | undefined, slots: number[] | undefined, codes: LazyCode[]): Code {
  const n = codes.length
  if (template === undefined || slots === undefined) {
    if (n === 0) return () => []
    return (env) => {
      const out: Lazy[] = new Array(n)
      for (let i = 0; i < n; i++) out[i] = lazyValue(codes[i]!, env)
      return out
    }
  }
  if (n === 0) return () => template.slice()
  return (env) => {
    const out = template.slice()
    for (let i = 0; i < n; i++) out[slots[i]!] = lazyValue(codes[i]!, env)
    return out
  }
}

/**
 * A non-recursive attribute set literal: `template` holds its constant values, `codes`
 * compute the values of `slots` (without a template: every value, in order; `dyn`: its
 * `${…} = …;` attributes).
 */
function attrsCode(ev: Evaluator, shape: Shape, template: Lazy[] | undefined, slots: number[] | undefined, codes: LazyCode[], dyn: Array<{ name: Code; v: LazyCode; pos: PosIdx }> | undefined): Code {
  const n = codes.length
  if (template === undefined || slots === undefined) {
    return (env) => {
      const vals: Lazy[] = new Array(n)
      for (let i = 0; i < n; i++) vals[i] = lazyValue(codes[i]!, env)
      const attrs = new NixAttrs(shape, vals)
      return dyn !== undefined ? ev.addDynamic(attrs, dyn, env) : attrs
    }
  }
  return (env) => {
    const vals = template.slice()
    for (let i = 0; i < n; i++) vals[slots[i]!] = lazyValue(codes[i]!, env)
    const attrs = new NixAttrs(shape, vals)
    return dyn !== undefined ? ev.addDynamic(attrs, dyn, env) : attrs
  }
}

/** `e.name`. */
function selectOneCode(ev: Evaluator, target: Code | LocalRef, name: string, pos: PosIdx): Code {
  // the slot in the layout seen last here (most sites see one or two layouts)
  let seen: Layout | null = null
  let seenSlot = 0
  return (env) => {
    // (a test here, not a call to a helper: these closures are the hottest code there is)
    const v = typeof target === 'function' ? target(env) : readLocal(env, target)
    if (!(v instanceof NixAttrs)) throw ev.typeError(v, 'a set', pos)
    const layout = v.shape.layout
    let slot = seenSlot
    if (layout !== seen) {
      const found = layout.slotOf(name)
      if (found === undefined) throw ev.missingAttr(name, v, pos)
      seen = layout
      seenSlot = slot = found
    }
    const x = v.vals[slot]!
    if (!(x instanceof Thunk)) return x
    const r = x.c === null ? x.v : ev.forceAttrValue(x, v.shape.pos[slot], pos, name)
    // the slot now holds the value itself (functions keep their thunk: see `settle`)
    if (!(r instanceof Lambda || r instanceof PrimOp || r instanceof PrimOpApp)) v.vals[slot] = r
    return r
  }
}

/** `f a`. */
function call1Code(ev: Evaluator, fn: Code | LocalRef, a0: LazyCode, pos: PosIdx): Code {
  // (two closures: no test of `fn` at each call, in the code that runs most)
  if (typeof fn !== 'function') {
    return (env) => {
      const f = readLocal(env, fn)
      return f instanceof Lambda ? ev.callLambda(f, lazyValue(a0, env), pos) : ev.call(f, [lazyValue(a0, env)], pos)
    }
  }
  return (env) => {
    const f = fn(env)
    return f instanceof Lambda ? ev.callLambda(f, lazyValue(a0, env), pos) : ev.call(f, [lazyValue(a0, env)], pos)
  }
}

/** `f a b …`. */
function callCode(ev: Evaluator, fn: Code | LocalRef, args: LazyCode[], pos: PosIdx): Code {
  const n = args.length
  if (n === 2) {
    // curried lambdas take their arguments one by one: no argument array
    const a0 = args[0]!
    const a1 = args[1]!
    if (typeof fn !== 'function') return (env) => ev.call2(readLocal(env, fn), lazyValue(a0, env), lazyValue(a1, env), pos)
    return (env) => ev.call2(fn(env), lazyValue(a0, env), lazyValue(a1, env), pos)
  }
  return (env) => {
    const f = typeof fn === 'function' ? fn(env) : readLocal(env, fn)
    const vs: Lazy[] = new Array(n)
    for (let i = 0; i < n; i++) vs[i] = lazyValue(args[i]!, env)
    return ev.call(f, vs, pos)
  }
}

/** A variable from a `with` (the innermost of `levels` that has it), forced at `forcedAt`. */
function withVarCode(ev: Evaluator, name: string, levels: number[], withPoss: Array<PosIdx | undefined>, pos: PosIdx, forcedAt: PosIdx): Code {
  return (env) => ev.force(ev.withLookup(env, name, levels, withPoss, pos), forcedAt)
}

const UNCOMPILED: Code = () => {
  throw new Error('a function body used before it was compiled')
}

/** Code that compiles a function's body, puts it in place of itself and runs it. */
function compileOnCall(ev: Evaluator, info: LambdaInfo, body: LazyExpr, scope: Scope): Code {
  return (env) => {
    const code = ev.compile(body.decode(), scope)
    info.body = code
    return code(env)
  }
}

/** Thrown to unwind a stack overflow into a Nix error. */
function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && err.message === 'Maximum call stack size exceeded'
}

/** The part of the evaluator that builtins use; implemented by `EvalState`. */
export class Evaluator {
  /** Constants and primops of the base environment (without the `__` aliases resolved). */
  readonly base: Map<string, Lazy> = new Map()
  /** The layouts of attribute-set literals (one per distinct list of names). */
  private readonly layouts = new LayoutTable()
  /**
   * `--show-trace`: also record function-call frames in error traces (Nix 2.8 records them
   * only then; other frames, like attribute selection, are always recorded).
   */
  traces = false
  /**
   * Compute infallible operations on known values (`n - 1` with `n` evaluated) at once
   * instead of allocating thunks. Only the printing of unevaluated values (`<CODE>`) can
   * tell the difference, so it is for runs that force the whole result (`--strict`).
   */
  speculate = false

  // ---------------------------------------------------------------- forcing helpers

  force(x: Lazy, pos?: PosIdx): Value {
    if (x instanceof Thunk) return x.c === null ? x.v : this.forceThunkAt(x, pos)
    return x
  }

  forceThunkAt(t: Thunk, pos: PosIdx | undefined): Value {
    // a JS stack overflow is turned into a Nix error where evaluation started (runInstantiate)
    return forceThunk(t, pos)
  }

  typeError(v: Value, expected: string, pos: PosIdx | undefined): NixError {
    return new NixError('type', `value is ${showType(v)} while ${expected} was expected`, pos)
  }

  forceInt(x: Lazy, pos?: PosIdx): number | bigint {
    const v = this.force(x, pos)
    if (typeof v === 'number' || typeof v === 'bigint') return v
    throw this.typeError(v, 'an integer', pos)
  }

  forceBool(x: Lazy, pos?: PosIdx): boolean {
    const v = this.force(x, pos)
    if (typeof v === 'boolean') return v
    throw this.typeError(v, 'a Boolean', pos)
  }

  forceAttrs(x: Lazy, pos?: PosIdx): NixAttrs {
    const v = this.force(x, pos)
    if (v instanceof NixAttrs) return v
    throw this.typeError(v, 'a set', pos)
  }

  forceList(x: Lazy, pos?: PosIdx): Lazy[] {
    const v = this.force(x, pos)
    if (Array.isArray(v)) return v
    throw this.typeError(v, 'a list', pos)
  }

  forceFunction(x: Lazy, pos?: PosIdx): Value {
    const v = this.force(x, pos)
    if (v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp) return v
    if (v instanceof NixAttrs && v.has('__functor')) return v
    throw this.typeError(v, 'a function', pos)
  }

  /** A float or an int as a JS number. */
  forceNumber(x: Lazy, pos?: PosIdx): number {
    const v = this.force(x, pos)
    if (typeof v === 'number') return v
    if (typeof v === 'bigint') return Number(v)
    if (v instanceof NixFloat) return v.v
    throw this.typeError(v, 'a float', pos)
  }

  /** A string value (with context). */
  forceString(x: Lazy, pos?: PosIdx): string | NixString {
    const v = this.force(x, pos)
    if (typeof v === 'string' || v instanceof NixString) return v
    throw this.typeError(v, 'a string', pos)
  }

  /** The bytes of a string, accumulating its context into `ctx` if given. */
  forceStr(x: Lazy, pos?: PosIdx, ctx?: Set<string>): string {
    const v = this.forceString(x, pos)
    if (typeof v === 'string') return v
    if (ctx !== undefined) for (const c of v.ctx) ctx.add(c)
    return v.s
  }

  /** A string that must not refer to store paths. */
  forceStringNoCtx(x: Lazy, pos?: PosIdx): string {
    const v = this.forceString(x, pos)
    if (typeof v === 'string') return v
    const first = [...v.ctx][0]!
    const shown = first.startsWith('=') ? first.slice(1) : first.startsWith('!') ? first.slice(first.indexOf('!', 1) + 1) : first
    throw new NixError('eval', `the string '${v.s}' is not allowed to refer to a store path (such as '${shown}')`, pos)
  }

  // ---------------------------------------------------------------- function calls

  /** Code of application thunks `f a`: `e` holds f, `v` holds a until evaluated. */
  private readonly apply1 = ((f: Value, t: Thunk): Value => this.call1(f, t.v, undefined)) as unknown as Code
  /** Code of application thunks `f a b`: `e` holds f, `v` holds [a, b]. */
  private readonly apply2 = ((f: Value, t: Thunk): Value => this.call(f, t.v as Lazy[], undefined)) as unknown as Code

  /** Whether an unevaluated thunk is a builtin's lazy call (what Nix calls a function application). */
  isApplication(t: Thunk): boolean {
    return t.c === this.apply1 || t.c === this.apply2
  }

  /** A lazy `f a` (one allocation). */
  app1(f: Value, a: Lazy): Thunk {
    const t = new Thunk(this.apply1, f)
    t.v = a as Value
    return t
  }

  /** A lazy `f a b`. */
  app2(f: Value, a: Lazy, b: Lazy): Thunk {
    const t = new Thunk(this.apply2, f)
    t.v = [a, b]
    return t
  }

  /** Apply `f` to one argument. */
  call1(f: Value, a: Lazy, pos: PosIdx | undefined): Value {
    if (f instanceof Lambda) return this.callLambda(f, a, pos)
    return this.call(f, [a], pos)
  }

  /** Apply `f` to two arguments (curried lambdas without an argument array). */
  call2(f: Value, a: Lazy, b: Lazy, pos: PosIdx | undefined): Value {
    if (f instanceof Lambda) {
      const g = this.callLambda(f, a, pos)
      if (g instanceof Lambda) return this.callLambda(g, b, pos)
      return this.call(g, [b], pos)
    }
    return this.call(f, [a, b], pos)
  }

  /** Apply `fn` to `args` (lazy). */
  call(fn: Value, args: Lazy[], pos: PosIdx | undefined): Value {
    let f = fn
    let i = 0
    const n = args.length
    while (i < n) {
      if (f instanceof Lambda) {
        f = this.callLambda(f, args[i++]!, pos)
      } else if (f instanceof PrimOp) {
        const arity = f.arity
        if (n - i < arity) return new PrimOpApp(f, args.slice(i))
        const a = i === 0 && n === arity ? args : args.slice(i, i + arity)
        i += arity
        f = f.fn(a, pos)
      } else if (f instanceof PrimOpApp) {
        const op = f.op
        const left = op.arity - f.args.length
        if (n - i < left) return new PrimOpApp(op, f.args.concat(args.slice(i)))
        const a = f.args.concat(args.slice(i, i + left))
        i += left
        f = op.fn(a, pos)
      } else if (f instanceof NixAttrs && f.has('__functor')) {
        const functor = this.force(f.get('__functor')!, pos)
        f = this.call(functor, [f, args[i++]!], pos)
      } else {
        throw new NixError('type', `attempt to call something which is not a function but ${showType(f)}`, pos)
      }
    }
    return f
  }

  callLambda(f: Lambda, arg: Lazy, pos: PosIdx | undefined): Value {
    const info = f.info
    let env: Env
    if (info.formals === undefined) {
      env = [f.env, arg]
    } else {
      const attrs = this.forceAttrs(arg, pos)
      const slots: Env = new Array(info.nslots + 1)
      slots[0] = f.env
      env = slots
      let d = 1
      if (info.arg !== undefined) slots[d++] = arg
      const formals = info.formals
      // where the formals are in sets of this layout (a function is mostly called with one)
      const layout = attrs.shape.layout
      if (info.argLayout !== layout) {
        const argSlots: number[] = new Array(formals.length)
        let used = 0
        for (let j = 0; j < formals.length; j++) {
          const slot = layout.slotOf(formals[j]!.name)
          if (slot !== undefined) used++
          argSlots[j] = slot ?? -1
        }
        info.argLayout = layout
        info.argSlots = argSlots
        info.argUsed = used
      }
      const argSlots = info.argSlots
      const vals = attrs.vals
      for (let j = 0; j < formals.length; j++) {
        const slot = argSlots[j]!
        if (slot >= 0) slots[d++] = vals[slot]!
        else {
          const fm = formals[j]!
          if (fm.def === undefined) {
            throw new NixError('type', `${this.showLambda(info)} called without required argument '${fm.name}'`, pos)
          }
          slots[d++] = lazyValue(fm.def, env)
        }
      }
      if (!info.ellipsis && info.argUsed !== attrs.size) {
        const names = new Set(formals.map((x) => x.name))
        // the first in symbol order, as Nix finds it
        const order = attrs.shape.symbolOrder()
        for (let i = 0; i < order.length; i++) {
          const k = attrs.shape.names[order[i]!]!
          if (!names.has(k)) {
            const err = new NixError('type', `${this.showLambda(info)} called with unexpected argument '${showIdOf(k)}'`, pos)
            err.suggestions = suggest(names, k)
            throw err
          }
        }
      }
    }
    if (!this.traces) return info.body(env)
    try {
      return info.body(env)
    } catch (err) {
      if (err instanceof NixError) {
        err.addTrace(`while evaluating ${info.name !== undefined ? `'${info.name}'` : 'anonymous lambda'}`, info.pos)
        err.addTrace('from call site', pos)
      } else if (isStackOverflow(err)) {
        throw new NixError('stack-overflow', 'stack overflow (possible infinite recursion)')
      }
      throw err
    }
  }

  showLambda(info: LambdaInfo): string {
    return info.name !== undefined ? `'${info.name}' at ${showPos(info.pos)}` : `anonymous function at ${showPos(info.pos)}`
  }

  // ---------------------------------------------------------------- strings

  /**
   * Coerce to a string as Nix's coerceToString: strings, paths (copied to the store when
   * `copyToStore`), sets with `__toString` or `outPath`; with `coerceMore` also Booleans,
   * numbers, null and lists.
   */
  coerceToString(x: Lazy, pos: PosIdx | undefined, ctx: Set<string>, coerceMore: boolean, copyToStore: boolean): string {
    const v = this.force(x, pos)
    if (typeof v === 'string') return v
    if (v instanceof NixString) {
      for (const c of v.ctx) ctx.add(c)
      return v.s
    }
    if (v instanceof NixPath) {
      if (copyToStore) return this.copyPathToStore(v.p, ctx, pos)
      return v.p
    }
    if (v instanceof NixAttrs) {
      const ts = v.get('__toString')
      if (ts !== undefined) {
        const r = this.call(this.force(ts, pos), [v], pos)
        return this.coerceToString(r, pos, ctx, coerceMore, copyToStore)
      }
      const out = v.get('outPath')
      if (out === undefined) throw new NixError('type', 'cannot coerce a set to a string', pos)
      return this.coerceToString(out, pos, ctx, coerceMore, copyToStore)
    }
    if (coerceMore) {
      if (v === true) return '1'
      if (v === false || v === null) return ''
      if (typeof v === 'number' || typeof v === 'bigint') return String(v)
      if (v instanceof NixFloat) return formatFixed6(v.v)
      if (Array.isArray(v)) {
        let r = ''
        for (let i = 0; i < v.length; i++) {
          const el = v[i]!
          r += this.coerceToString(el, pos, ctx, coerceMore, copyToStore)
          if (i < v.length - 1) {
            const fe = this.force(el, pos)
            if (!Array.isArray(fe) || fe.length !== 0) r += ' '
          }
        }
        return r
      }
    }
    throw new NixError('type', `cannot coerce ${showType(v)} to a string`, pos)
  }

  /** Copying paths to the store needs the store: a later issue. */
  copyPathToStore(path: string, _ctx: Set<string>, pos: PosIdx | undefined): string {
    throw new NixError('eval', `copying path '${path}' to the store is not supported yet`, pos)
  }

  // ---------------------------------------------------------------- equality

  eqValues(a: Lazy, b: Lazy, pos?: PosIdx): boolean {
    if (a === b && (a instanceof Thunk || typeof a !== 'object' || a === null)) {
      if (a instanceof Thunk) return true
    }
    const v1 = this.force(a, pos)
    const v2 = this.force(b, pos)
    if (typeof v1 === 'number' && typeof v2 === 'number') return v1 === v2
    if (typeof v1 === 'string' && typeof v2 === 'string') return v1 === v2
    if (v1 === null || v2 === null) return v1 === v2
    if (typeof v1 === 'boolean' || typeof v2 === 'boolean') return v1 === v2
    if (typeof v1 === 'number' || typeof v1 === 'bigint') {
      if (typeof v2 === 'number' || typeof v2 === 'bigint') return v1 == v2 // eslint-disable-line eqeqeq
      if (v2 instanceof NixFloat) return Number(v1) === v2.v
      return false
    }
    if (v1 instanceof NixFloat) {
      if (v2 instanceof NixFloat) return v1.v === v2.v
      if (typeof v2 === 'number' || typeof v2 === 'bigint') return v1.v === Number(v2)
      return false
    }
    if (typeof v1 === 'string' || v1 instanceof NixString) {
      if (typeof v2 === 'string' || v2 instanceof NixString) {
        return (typeof v1 === 'string' ? v1 : v1.s) === (typeof v2 === 'string' ? v2 : v2.s)
      }
      return false
    }
    if (v1 instanceof NixPath) return v2 instanceof NixPath && v1.p === v2.p
    if (Array.isArray(v1)) {
      if (!Array.isArray(v2) || v1.length !== v2.length) return false
      for (let i = 0; i < v1.length; i++) {
        const x = v1[i]!
        const y = v2[i]!
        if (x === y) continue
        if (!this.eqValues(x, y, pos)) return false
      }
      return true
    }
    if (v1 instanceof NixAttrs) {
      if (!(v2 instanceof NixAttrs)) return false
      if (v1 === v2) return true
      if (this.isDerivation(v1) && this.isDerivation(v2)) {
        const o1 = v1.get('outPath')
        const o2 = v2.get('outPath')
        if (o1 !== undefined && o2 !== undefined) return this.eqValues(o1, o2, pos)
      }
      if (v1.size !== v2.size) return false
      const k1 = v1.keys()
      const k2 = v2.keys()
      for (let i = 0; i < k1.length; i++) if (k1[i] !== k2[i]) return false
      // the same names in the same slots: compare the values in symbol order, as Nix does
      const order = v1.shape.symbolOrder()
      for (let i = 0; i < order.length; i++) {
        const x = v1.vals[order[i]!]!
        const y = v2.vals[order[i]!]!
        if (x === y) continue
        if (!this.eqValues(x, y, pos)) return false
      }
      return true
    }
    return false
  }

  isDerivation(v: NixAttrs): boolean {
    const t = v.get('type')
    if (t === undefined) return false
    const tv = this.force(t)
    return tv === 'derivation' || (tv instanceof NixString && tv.s === 'derivation')
  }

  // ---------------------------------------------------------------- compilation

  /** Compile an expression in the base scope (plus an optional scope of extra names). */
  compileTop(e: Expr, extra?: readonly string[]): Code {
    const scope = extra === undefined ? null : new Scope(null, new Map(extra.map((n, i) => [n, i])))
    return this.compile(e, scope)
  }

  private lookupBase(name: string): Lazy | undefined {
    return this.base.get(name)
  }

  private resolveVar(name: string, scope: Scope | null, pos: PosIdx):
  { kind: 'local'; level: number; idx: number } | { kind: 'base'; v: Lazy } | { kind: 'with'; levels: number[]; poss: Array<PosIdx | undefined> } {
    let inWith = false
    let level = 0
    for (let s = scope; s !== null; s = s.up, level++) {
      if (s.names === null) { inWith = true; continue }
      const idx = s.names.get(name)
      if (idx !== undefined) return { kind: 'local', level, idx }
    }
    const b = this.lookupBase(name)
    if (b !== undefined) return { kind: 'base', v: b }
    if (!inWith) throw new NixSyntaxError(`undefined variable '${name}'`, pos, 'undefined-variable')
    const withs = scope!.withsAround()
    return { kind: 'with', levels: withs.levels, poss: withs.poss }
  }

  /** A variable at `pos`, forced at `forcedAt` (where "infinite recursion" is reported). */
  private compileVar(name: string, scope: Scope | null, pos: PosIdx, forcedAt = pos): Code {
    const r = this.resolveVar(name, scope, pos)
    if (r.kind === 'base') return baseVarCode(r.v, forcedAt)
    if (r.kind === 'local') return localVarCode(r.level, r.idx + 1, forcedAt)
    return withVarCode(this, name, r.levels, r.poss, pos, forcedAt)
  }

  /** Code of `e`, or for a local variable, where it is (read by the code that uses it). */
  private compileRef(e: Expr, scope: Scope | null): Code | LocalRef {
    if (e.k === 'var') {
      const r = this.resolveVar(e.name, scope, e.pos)
      if (r.kind === 'local') return new LocalRef(r.level, r.idx + 1, e.pos)
    }
    return this.compile(e, scope)
  }

  /** @internal The value of `name` from the sets of the `with`s `levels` up from `env`. */
  withLookup(env: Env, name: string, levels: number[], withPoss: Array<PosIdx | undefined>, pos: PosIdx): Lazy {
    for (let i = 0; i < levels.length; i++) {
      // the set is forced where the `with` names it; one that is not a set is reported
      // without a position (as in Nix)
      const scope = this.force(envAt(env, levels[i]!)[1] as Lazy, withPoss[i])
      if (!(scope instanceof NixAttrs)) throw this.typeError(scope, 'a set', undefined)
      const v = scope.get(name)
      if (v !== undefined) return v
    }
    throw new NixError('undefined-variable', `undefined variable '${name}'`, pos)
  }

  /** Code producing a lazy value: constants and variables are shared, not wrapped in thunks. */
  private compileLazy(e: Expr, scope: Scope | null): LazyCode {
    switch (e.k) {
      case 'int': case 'str': case 'float': case 'path': return constCode(constantOf(e)!)
      case 'var': {
        const r = this.resolveVar(e.name, scope, e.pos)
        if (r.kind === 'base') return constCode(r.v)
        // the slot may not be filled yet (let x = y; y = …): then delay the lookup
        if (r.kind === 'local') return new LocalRef(r.level, r.idx + 1, e.pos)
        return new Delayed(this.compile(e, scope))
      }
      case 'call': case 'concatStrings': {
        const eager = this.compileEagerArith(e, scope)
        if (eager !== undefined) return eager
        return new Delayed(this.compile(e, scope))
      }
      default:
        return new Delayed(this.compile(e, scope))
    }
  }

  /**
   * An operand whose value is known without evaluating anything: an integer or string
   * constant, or a local variable that is already evaluated. Returns undefined when the
   * value is not available yet (then the caller must delay the computation).
   */
  private compileKnown(e: Expr, scope: Scope | null): ((env: Env) => Value | undefined) | undefined {
    if (e.k === 'int' || e.k === 'str') { const v = e.v; return () => v }
    if (e.k !== 'var') return undefined
    let level = 0
    for (let s = scope; s !== null; s = s.up, level++) {
      if (s.names === null) return undefined
      const idx = s.names.get(e.name)
      if (idx === undefined) continue
      const slot = idx + 1
      const known = (x: unknown): Value | undefined => {
        if (x instanceof Thunk) return x.c === null ? x.v : undefined
        return x as Value | undefined
      }
      switch (level) {
        case 0: return (env) => known(env[slot])
        case 1: return (env) => known((env[0] as Env)[slot])
        default: return (env) => known(envAt(env, level)[slot])
      }
    }
    return undefined
  }

  /**
   * `n - 1`, `a + b`, `i * 2` and `"x" + s` as lazy values: when the operands are constants or
   * already-evaluated variables holding small integers (or, for `+`, plain strings), the result
   * is computed at once instead of allocating a thunk. This cannot change the semantics: these
   * operations cannot fail or diverge on such operands. Otherwise a thunk is made as usual.
   */
  private compileEagerArith(e: Expr, scope: Scope | null): LazyCode | undefined {
    if (!this.speculate) return undefined
    let op: '+' | '-' | '*'
    let ea: Expr
    let eb: Expr
    if (e.k === 'concatStrings') {
      if (e.forceString || e.parts.length !== 2) return undefined
      op = '+'; ea = e.parts[0]!.e; eb = e.parts[1]!.e
    } else if (e.k === 'call' && e.fn.k === 'var' && e.args.length === 2 && (e.fn.name === '__sub' || e.fn.name === '__mul')) {
      if (this.resolveVar(e.fn.name, scope, e.fn.pos).kind !== 'base') return undefined
      op = e.fn.name === '__sub' ? '-' : '*'; ea = e.args[0]!; eb = e.args[1]!
    } else return undefined
    const a = this.compileKnown(ea, scope)
    const b = this.compileKnown(eb, scope)
    if (a === undefined || b === undefined) return undefined
    const c = this.compile(e, scope)
    switch (op) {
      case '+': return (env) => {
        const x = a(env)
        const y = b(env)
        if (typeof x === 'number' && typeof y === 'number') { const z = x + y; if (Number.isSafeInteger(z)) return z }
        if (typeof x === 'string' && typeof y === 'string') return x + y
        return new Thunk(c, env)
      }
      case '-': return (env) => {
        const x = a(env)
        const y = b(env)
        if (typeof x === 'number' && typeof y === 'number') { const z = x - y; if (Number.isSafeInteger(z)) return z }
        return new Thunk(c, env)
      }
      default: return (env) => {
        const x = a(env)
        const y = b(env)
        // (`+ 0`: JS gives 0 * -3 = -0, and an integer has no -0)
        if (typeof x === 'number' && typeof y === 'number') { const z = x * y + 0; if (Number.isSafeInteger(z)) return z }
        return new Thunk(c, env)
      }
    }
  }

  /**
   * The elements of a list or attrset literal (in slot order `order`, else as given): constants
   * go into a template of the values, and only the other slots run code (compiled in source
   * order); without constants there is no template.
   */
  private compileTemplate(es: readonly Expr[], order: readonly number[] | undefined, scope: Scope | null): { template: Lazy[] | undefined; slots: number[] | undefined; codes: LazyCode[] } {
    const n = es.length
    const constants: Array<Lazy | undefined> = new Array(n)
    const compiled: Array<LazyCode | undefined> = new Array(n)
    let ncodes = 0
    for (let i = 0; i < n; i++) {
      const c = constantOf(es[i]!)
      if (c !== undefined) constants[i] = c
      else { compiled[i] = this.compileLazy(es[i]!, scope); ncodes++ }
    }
    if (ncodes === n) {
      // no constants: no template, the codes in slot order
      const codes: LazyCode[] = new Array(n)
      for (let k = 0; k < n; k++) codes[k] = compiled[order === undefined ? k : order[k]!]!
      return { template: undefined, slots: undefined, codes }
    }
    const template: Lazy[] = new Array(n)
    const slots: number[] = new Array(ncodes)
    const codes: LazyCode[] = new Array(ncodes)
    for (let k = 0, j = 0; k < n; k++) {
      const i = order === undefined ? k : order[k]!
      const c = compiled[i]
      template[k] = c === undefined ? constants[i]! : null
      if (c !== undefined) {
        slots[j] = k
        codes[j++] = c
      }
    }
    return { template, slots, codes }
  }

  // Helpers that compile lists of expressions with loops, not arrow functions: a closure
  // created in a compile method would put `scope` (or the syntax tree) into the context that
  // every code closure made by that method keeps alive.

  private compileLazyAll(es: readonly Expr[], scope: Scope | null): LazyCode[] {
    const out: LazyCode[] = new Array(es.length)
    for (let i = 0; i < es.length; i++) out[i] = this.compileLazy(es[i]!, scope)
    return out
  }

  /**
   * Bindings of a `let` or `rec`: each is a constant, or code run in the outer (`inherit x;`)
   * or the inner environment. `ownThunks`: never share a value, always make a thunk.
   */
  private compileDefs(defs: readonly AttrDef[], outer: Scope | null, inner: Scope, ownThunks = false): Binding[] {
    const out: Binding[] = new Array(defs.length)
    for (let i = 0; i < defs.length; i++) {
      const d = defs[i]!
      if (d.inherited) out[i] = new Inherited(this.compileLazy(d.e, outer))
      else if (ownThunks) out[i] = new Delayed(this.compile(d.e, inner))
      else if (d.e.k === 'int' || d.e.k === 'str') out[i] = d.e.v
      else out[i] = this.compileLazy(d.e, inner)
    }
    return out
  }

  private compileDyn(dyn: readonly DynAttrDef[], scope: Scope | null): Array<{ name: Code; v: LazyCode; pos: PosIdx }> {
    const out: Array<{ name: Code; v: LazyCode; pos: PosIdx }> = new Array(dyn.length)
    for (let i = 0; i < dyn.length; i++) {
      const d = dyn[i]!
      out[i] = { name: this.compile(d.name, scope), v: this.compileLazy(d.e, scope), pos: d.pos }
    }
    return out
  }

  private compileAttrNames(path: readonly AttrName[], scope: Scope | null): Array<(env: Env) => string> {
    const out: Array<(env: Env) => string> = new Array(path.length)
    for (let i = 0; i < path.length; i++) out[i] = this.compileAttrName(path[i]!, scope)
    return out
  }

  private compileFormals(formals: readonly Formal[], inner: Scope): NonNullable<LambdaInfo['formals']> {
    const out: NonNullable<LambdaInfo['formals']> = new Array(formals.length)
    for (let i = 0; i < formals.length; i++) {
      const f = formals[i]!
      out[i] = { name: f.name, pos: f.pos, def: f.def === undefined ? undefined : this.compileLazy(f.def, inner) }
    }
    return out
  }

  private compileParts(parts: ReadonlyArray<{ pos: PosIdx; e: Expr }>, scope: Scope | null): Array<{ c: Code; pos: PosIdx }> {
    const out: Array<{ c: Code; pos: PosIdx }> = new Array(parts.length)
    for (let i = 0; i < parts.length; i++) out[i] = { c: this.compile(parts[i]!.e, scope), pos: parts[i]!.pos }
    return out
  }

  compile(e: Expr, scope: Scope | null): Code {
    switch (e.k) {
      case 'int': return constCode(e.v)
      case 'float': return constCode(new NixFloat(e.v))
      case 'str': return constCode(e.v)
      case 'path': return constCode(new NixPath(e.v))
      case 'var': return this.compileVar(e.name, scope, e.pos)
      case 'curpos': {
        const p = e.pos
        return () => this.posToAttrs(p)
      }
      case 'select': return this.compileSelect(e, scope)
      case 'has': return this.compileHas(e, scope)
      case 'attrs': return this.compileAttrs(e, scope)
      case 'list': {
        const { template, slots, codes } = this.compileTemplate(e.elems, undefined, scope)
        return listCode(template, slots, codes)
      }
      case 'lambda': return this.compileLambda(e, scope)
      case 'call': return this.compileCall(e, scope)
      case 'let': {
        const names = new Map<string, number>()
        let i = 0
        for (const n of e.attrs.attrs.keys()) names.set(n, i++)
        const inner = new Scope(scope, names)
        const defs = this.compileDefs([...e.attrs.attrs.values()], scope, inner)
        const body = this.compile(e.body, inner)
        return (env) => body(bindingsEnv(defs, env))
      }
      case 'with': return withCode(this.compileLazy(e.attrs, scope), this.compile(e.body, new Scope(scope, null, e.attrs.pos)))
      case 'if': {
        const c = this.compile(e.cond, scope)
        const t = this.compile(e.then, scope)
        const f = this.compile(e.else, scope)
        const pos = e.pos
        return (env) => {
          const v = c(env)
          if (v === true) return t(env)
          if (v === false) return f(env)
          throw this.typeError(v, 'a Boolean', pos)
        }
      }
      case 'assert': {
        const c = this.compile(e.cond, scope)
        const body = this.compile(e.body, scope)
        const pos = e.pos
        const shown = showExpr(e.cond)
        return (env) => {
          const v = c(env)
          if (v === true) return body(env)
          if (v === false) throw new NixError('assertion', `assertion '${shown}' failed`, pos)
          throw this.typeError(v, 'a Boolean', pos)
        }
      }
      case 'not': {
        const c = this.compile(e.e, scope)
        // (Nix 2.8 reports a non-Boolean operand of `!` without a position)
        return (env) => {
          const v = c(env)
          if (typeof v === 'boolean') return !v
          throw this.typeError(v, 'a Boolean', undefined)
        }
      }
      case 'eq': case 'neq': {
        const a = this.compile(e.a, scope)
        const b = this.compile(e.b, scope)
        const neg = e.k === 'neq'
        const pos = e.pos
        return (env) => {
          const x = a(env)
          const y = b(env)
          if (typeof x === 'number' && typeof y === 'number') return (x === y) !== neg
          return this.eqValues(x, y, pos) !== neg
        }
      }
      case 'and': case 'or': case 'impl': {
        const a = this.compile(e.a, scope)
        const b = this.compile(e.b, scope)
        const pos = e.pos
        const k = e.k
        const bool = (v: Value): boolean => {
          if (typeof v === 'boolean') return v
          throw this.typeError(v, 'a Boolean', pos)
        }
        if (k === 'and') return (env) => bool(a(env)) && bool(b(env))
        if (k === 'or') return (env) => bool(a(env)) || bool(b(env))
        return (env) => !bool(a(env)) || bool(b(env))
      }
      case 'update': {
        const a = this.compile(e.a, scope)
        const b = this.compile(e.b, scope)
        // (Nix 2.8 reports an operand that is not a set without a position)
        return (env) => this.update(this.forceAttrs(a(env), undefined), this.forceAttrs(b(env), undefined))
      }
      case 'concat': {
        const a = this.compile(e.a, scope)
        const b = this.compile(e.b, scope)
        const pos = e.pos
        return (env) => {
          // (Nix evaluates both operands before it checks either: `1 ++ throw "r"` throws "r")
          const xv = a(env)
          const yv = b(env)
          const x = this.forceList(xv, pos)
          const y = this.forceList(yv, pos)
          if (x.length === 0) return sameList(y)
          if (y.length === 0) return sameList(x)
          return x.concat(y)
        }
      }
      case 'concatStrings': return this.compileConcatStrings(e, scope)
    }
  }

  /** `a // b`: a new set with b's attributes replacing a's (a merge of the sorted names). */
  update(a: NixAttrs, b: NixAttrs): NixAttrs {
    // (in Nix's order: `{ } // { }` is the right-hand set)
    if (a.size === 0) return b
    if (b.size === 0) return a
    const sa = a.shape
    const sb = b.shape
    const la = sa.layout
    const lb = sb.layout
    // the same names: b's values (a new set, as in Nix: printing marks a set seen twice as
    // «repeated»)
    if (la === lb) return new NixAttrs(sb.withoutOrigin(), b.vals.slice())
    const av = a.vals
    const bv = b.vals
    const m = la.mergeWith(lb)
    if (m !== undefined) {
      // these layouts met before: copy the values by the plan
      const from = m.from ??= mergeSources(la, lb, m.layout)
      const n = from.length
      const vals: Lazy[] = new Array(n)
      for (let k = 0; k < n; k++) {
        const f = from[k]!
        vals[k] = f >= 0 ? av[f]! : bv[~f]!
      }
      if (m.lastA === sa && m.lastB === sb) return new NixAttrs(m.last, vals)
      const pos: Array<PosIdx | undefined> = new Array(n)
      for (let k = 0; k < n; k++) {
        const f = from[k]!
        pos[k] = f >= 0 ? sa.pos[f] : sb.pos[~f]
      }
      const shape = new Shape(m.layout, pos)
      m.lastA = sa
      m.lastB = sb
      m.last = shape
      return new NixAttrs(shape, vals)
    }
    const an = sa.names
    const bn = sb.names
    const na = an.length
    const nb = bn.length
    // room for the most names there can be; the end is cut off after the merge
    const names: string[] = new Array(na + nb)
    const pos: Array<PosIdx | undefined> = new Array(na + nb)
    const vals: Lazy[] = new Array(na + nb)
    let i = 0
    let j = 0
    let k = 0
    while (i < na && j < nb) {
      const x = an[i]!
      const y = bn[j]!
      if (x === y) {
        names[k] = y; pos[k] = sb.pos[j]; vals[k++] = bv[j++]!; i++
      } else if (x < y) {
        names[k] = x; pos[k] = sa.pos[i]; vals[k++] = av[i++]!
      } else {
        names[k] = y; pos[k] = sb.pos[j]; vals[k++] = bv[j++]!
      }
    }
    for (; i < na; i++) { names[k] = an[i]!; pos[k] = sa.pos[i]; vals[k++] = av[i]! }
    for (; j < nb; j++) { names[k] = bn[j]!; pos[k] = sb.pos[j]; vals[k++] = bv[j]! }
    names.length = k
    pos.length = k
    vals.length = k
    // `b` only overrides: a's names, a's layout
    const shape = new Shape(k === na ? la : new Layout(names), pos)
    la.rememberMerge({ b: lb, layout: shape.layout, from: null, lastA: sa, lastB: sb, last: shape })
    return new NixAttrs(shape, vals)
  }

  posToAttrs(idx: PosIdx | undefined): Value {
    const p = resolvePos(idx)
    if (p === undefined) return null
    const m = new Map<string, Lazy>()
    m.set('column', p.col)
    m.set('file', p.src.origin === 'file' ? p.src.path : p.src.text)
    m.set('line', p.line)
    return NixAttrs.fromMap(m)
  }

  private compileAttrName(a: AttrName, scope: Scope | null): ((env: Env) => string) {
    if (a.name !== undefined) { const n = a.name; return () => n }
    const c = this.compile(a.expr, scope)
    const pos = a.expr.pos
    return (env) => this.forceStringNoCtx(c(env), pos)
  }

  private compileSelect(e: Extract<Expr, { k: 'select' }>, scope: Scope | null): Code {
    // `builtins.foo` (unshadowed): a constant
    if (e.e.k === 'var' && e.e.name === 'builtins' && e.def === undefined && e.path.length === 1 && e.path[0]!.name !== undefined) {
      const r = this.resolveVar('builtins', scope, e.e.pos)
      const name = e.path[0]!.name
      if (r.kind === 'base' && r.v instanceof NixAttrs) {
        const v = r.v.get(name)
        if (v !== undefined && !(v instanceof Thunk)) return () => v
      }
    }
    const target = this.compileRef(e.e, scope)
    const pos = e.pos
    if (e.path.length === 1 && e.path[0]!.name !== undefined && e.def === undefined) return selectOneCode(this, target, e.path[0]!.name, pos)
    const names = this.compileAttrNames(e.path, scope)
    const path = e.path
    const def = e.def === undefined ? undefined : this.compile(e.def, scope)
    const shown = (env: Env): string => path.map((a, i) => (a.name !== undefined ? showIdOf(a.name) : showIdOf(names[i]!(env)))).join('.')
    // for each static name, its slot in the layout seen last there (as in `selectOneCode`)
    const seen = new Array<Layout | null>(path.length).fill(null)
    const seenSlots = new Array<number>(path.length).fill(0)
    const isStatic = path.map((a) => a.name !== undefined)
    return (env) => {
      let v = typeof target === 'function' ? target(env) : readLocal(env, target)
      let attrPos: PosIdx | undefined
      let last: Lazy = v
      try {
        for (let i = 0; i < names.length; i++) {
          const name = names[i]!(env)
          if (i > 0) v = last instanceof Thunk ? this.forceThunkAt(last, attrPos ?? pos) : last
          if (!(v instanceof NixAttrs)) {
            if (def !== undefined) return def(env)
            throw this.typeError(v, 'a set', pos)
          }
          const layout = v.shape.layout
          let slot = seenSlots[i]!
          if (layout !== seen[i]) {
            const found = layout.slotOf(name)
            if (found === undefined) {
              if (def !== undefined) return def(env)
              throw this.missingAttr(name, v, pos)
            }
            slot = found
            if (isStatic[i]) { seen[i] = layout; seenSlots[i] = found }
          }
          last = v.vals[slot]!
          attrPos = v.shape.pos[slot]
        }
        return last instanceof Thunk ? this.forceThunkAt(last, attrPos ?? pos) : last
      } catch (err) {
        if (err instanceof NixError && attrPos !== undefined) {
          err.addTrace(`while evaluating the attribute '${shown(env)}'`, attrPos)
        }
        throw err
      }
    }
  }

  /** @internal Force an attribute's thunk, adding the attribute to the trace of an error. */
  forceAttrValue(t: Thunk, attrPos: PosIdx | undefined, pos: PosIdx, name: string): Value {
    if (attrPos === undefined) return this.forceThunkAt(t, pos)
    try {
      return this.forceThunkAt(t, attrPos)
    } catch (err) {
      if (err instanceof NixError) err.addTrace(`while evaluating the attribute '${showIdOf(name)}'`, attrPos)
      throw err
    }
  }

  missingAttr(name: string, v: NixAttrs, pos: PosIdx | undefined): NixError {
    const err = new NixError('missing-attribute', `attribute '${name}' missing`, pos)
    err.suggestions = suggest(v.keys(), name)
    return err
  }

  private compileHas(e: Extract<Expr, { k: 'has' }>, scope: Scope | null): Code {
    const target = this.compileRef(e.e, scope)
    const names = this.compileAttrNames(e.path, scope)
    const pos = e.pos
    return (env) => {
      let v: Value = typeof target === 'function' ? target(env) : readLocal(env, target)
      for (let i = 0; i < names.length; i++) {
        if (!(v instanceof NixAttrs)) return false
        const x = v.get(names[i]!(env))
        if (x === undefined) return false
        if (i + 1 < names.length) v = this.force(x, pos)
      }
      return true
    }
  }

  private compileAttrs(e: ExprAttrs, scope: Scope | null): Code {
    const pos = e.pos
    const staticNames = [...e.attrs.keys()]
    const defs = [...e.attrs.values()]
    // one shape per literal: evaluating it allocates only the values; `order` maps its
    // (sorted) slots to definitions, which are compiled in source order
    const { shape, order } = this.layouts.literal(staticNames, defs)
    shape.origin = pos
    const hasDyn = e.dyn.length > 0
    if (!e.rec) {
      // `{ }`: one empty set per literal, which knows where it is (for messages, as in Nix)
      if (defs.length === 0 && !hasDyn) return constCode(new NixAttrs(shape, []))
      const { template, slots, codes } = this.compileTemplate(defs.map((d) => d.e), order, scope)
      return attrsCode(this, shape, template, slots, codes, hasDyn ? this.compileDyn(e.dyn, scope) : undefined)
    }
    // the environment holds the attributes in definition order (slot i + 1: definition i)
    const names = new Map<string, number>()
    for (let i = 0; i < staticNames.length; i++) names.set(staticNames[i]!, i)
    const inner = new Scope(scope, names)
    const overrides = names.has('__overrides')
    // (only code for `__overrides` keeps the names)
    const slotOfName = overrides ? names : undefined
    // With __overrides, every attribute gets its own thunk (no sharing), so that overriding
    // a slot is seen by the attributes that refer to it.
    const codes = this.compileDefs(defs, scope, inner, overrides)
    const dyn = hasDyn ? this.compileDyn(e.dyn, inner) : undefined
    const n = codes.length
    return (env) => {
      const env2 = bindingsEnv(codes, env)
      const vals: Lazy[] = new Array(n)
      for (let k = 0; k < n; k++) vals[k] = env2[order[k]! + 1] as Lazy
      let attrs = new NixAttrs(shape, vals)
      if (slotOfName !== undefined) {
        const ov = this.forceAttrs(attrs.get('__overrides')!, pos)
        const b = new AttrsBuilder()
        for (let k = 0; k < n; k++) b.set(shape.names[k]!, vals[k]!, shape.pos[k])
        const ovNames = ov.keys()
        for (let k = 0; k < ovNames.length; k++) {
          const name = ovNames[k]!
          const v = ov.vals[k]!
          const j = slotOfName.get(name)
          if (j !== undefined) env2[j + 1] = v
          b.set(name, v, ov.shape.pos[k])
        }
        attrs = b.finish()
      }
      return dyn !== undefined ? this.addDynamic(attrs, dyn, env2) : attrs
    }
  }

  /** Add the `${e} = v;` attributes (after `rec` and `__overrides`, as Nix does). */
  /** @internal */
  addDynamic(attrs: NixAttrs, dyn: Array<{ name: Code; v: LazyCode; pos: PosIdx }>, env: Env): NixAttrs {
    const b = new AttrsBuilder()
    const shape = attrs.shape
    for (let i = 0; i < shape.names.length; i++) b.set(shape.names[i]!, attrs.vals[i]!, shape.pos[i])
    const seenPos = new Map<string, PosIdx | undefined>()
    for (const d of dyn) {
      const nv = d.name(env)
      if (nv === null) continue
      const name = this.forceStringNoCtx(nv, undefined)
      if (b.has(name)) {
        const prev = seenPos.has(name) ? seenPos.get(name) : attrs.posOf(name)
        throw new NixError('eval', `dynamic attribute '${name}' already defined at ${showPos(prev)}`, d.pos)
      }
      b.set(name, lazyValue(d.v, env), d.pos)
      seenPos.set(name, d.pos)
    }
    return b.finish()
  }

  private compileLambda(e: ExprLambda, scope: Scope | null): Code {
    // A body the parser left undecoded, in a file without undefined variables, is compiled
    // when the function is first called, and the rest of the function when the expression is
    // first evaluated: most functions of a package set are neither.
    const body = e.body
    if (body.k === 'lazy' && body.closed) {
      let info: LambdaInfo | undefined
      let source: ExprLambda | undefined = e // (let go once used)
      return (env) => {
        if (info === undefined) {
          info = this.lambdaInfo(source!, body, scope)
          source = undefined
        }
        return new Lambda(info, env)
      }
    }
    const info = this.lambdaInfo(e, undefined, scope)
    return (env) => new Lambda(info, env)
  }

  /** A function's formals, scope and body: `lazyBody` is compiled when first called. */
  private lambdaInfo(e: ExprLambda, lazyBody: LazyExpr | undefined, scope: Scope | null): LambdaInfo {
    const names = new Map<string, number>()
    let d = 0
    if (e.arg !== undefined) names.set(e.arg, d++)
    if (e.formals !== undefined) for (const f of e.formals.formals) names.set(f.name, d++)
    const inner = new Scope(scope, names)
    const info: LambdaInfo = {
      pos: e.pos,
      name: e.name,
      arg: e.arg,
      formals: e.formals === undefined ? undefined : this.compileFormals(e.formals.formals, inner),
      ellipsis: e.formals?.ellipsis ?? false,
      nslots: d,
      body: UNCOMPILED,
      functionArgs: undefined,
      argLayout: undefined,
      argSlots: [],
      argUsed: 0,
    }
    info.body = lazyBody !== undefined ? compileOnCall(this, info, lazyBody, inner) : this.compile(bodyOf(e), inner)
    return info
  }


  private compileCall(e: Extract<Expr, { k: 'call' }>, scope: Scope | null): Code {
    const pos = e.pos
    // Fast paths for desugared arithmetic when the builtin is not shadowed.
    const name = e.fn.k === 'var' ? e.fn.name : ''
    if (e.args.length === 2 && (name === '__sub' || name === '__mul' || name === '__div' || name === '__lessThan')) {
      const r = this.resolveVar(name, scope, e.fn.pos)
      if (r.kind === 'base') {
        const a = this.compileOperand(e.args[0]!, scope, pos)
        const b = this.compileOperand(e.args[1]!, scope, pos)
        switch (name) {
          case '__sub': return (env) => {
            const x = a(env); const y = b(env)
            if (typeof x === 'number' && typeof y === 'number') { const z = x - y; if (Number.isSafeInteger(z)) return z }
            return this.arith('-', x, y, pos)
          }
          case '__mul': return (env) => {
            const x = a(env); const y = b(env)
            // (`+ 0`: JS gives 0 * -3 = -0, and an integer has no -0)
            if (typeof x === 'number' && typeof y === 'number') { const z = x * y + 0; if (Number.isSafeInteger(z)) return z }
            return this.arith('*', x, y, pos)
          }
          case '__div': return (env) => this.arith('/', a(env), b(env), pos)
          case '__lessThan': return (env) => {
            const x = a(env); const y = b(env)
            if (typeof x === 'number' && typeof y === 'number') return x < y
            return this.lessThan(x, y, pos)
          }
          default:
        }
      }
    }
    const fn = this.compileRef(e.fn, scope)
    const args = this.compileLazyAll(e.args, scope)
    return args.length === 1 ? call1Code(this, fn, args[0]!, pos) : callCode(this, fn, args, pos)
  }

  /**
   * An operand of a builtin forced by the builtin: a variable is forced where the call is (a
   * variable under evaluation is "infinite recursion" there, as in Nix), anything else as usual.
   */
  private compileOperand(e: Expr, scope: Scope | null, callPos: PosIdx): Code {
    return e.k === 'var' ? this.compileVar(e.name, scope, e.pos, callPos) : this.compile(e, scope)
  }

  /** Integer/float arithmetic with Nix's typing and 64-bit wrapping. */
  arith(op: '+' | '-' | '*' | '/', x: Value, y: Value, pos: PosIdx | undefined): Value {
    const xi = typeof x === 'number' || typeof x === 'bigint'
    const yi = typeof y === 'number' || typeof y === 'bigint'
    if (op === '/' && !(xi && yi)) {
      // as Nix's __div: the divisor first (as a float), then zero, then the dividend
      const yf = y instanceof NixFloat
      if (!yi && !yf) throw this.typeError(y, 'a float', pos)
      if ((yf ? y.v : Number(y)) === 0) throw new NixError('eval', 'division by zero', pos)
      if (!xi && !(x instanceof NixFloat)) throw this.typeError(x, yf ? 'a float' : 'an integer', pos)
    }
    if (xi && yi) {
      if (op === '/') {
        if (y === 0 || y === 0n) throw new NixError('eval', 'division by zero', pos)
        if (typeof x === 'number' && typeof y === 'number' && Math.abs(x) < 2 ** 31) return Math.trunc(x / y) + 0
        return normInt(BigInt(x) / BigInt(y))
      }
      if (typeof x === 'number' && typeof y === 'number') {
        // (`+ 0`: JS gives 0 * -3 = -0, and an integer has no -0)
        const z = op === '+' ? x + y : op === '-' ? x - y : x * y + 0
        if (Number.isSafeInteger(z)) return z
      }
      const bx = BigInt(x)
      const by = BigInt(y)
      return normInt(op === '+' ? bx + by : op === '-' ? bx - by : bx * by)
    }
    const xf = x instanceof NixFloat
    const yf = y instanceof NixFloat
    if ((xi || xf) && (yi || yf)) {
      const a = xf ? x.v : Number(x)
      const b = yf ? y.v : Number(y)
      if (op === '/' && b === 0) throw new NixError('eval', 'division by zero', pos)
      let r = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b
      // as on x86: a NaN operand passes through (the left one first), a new NaN is negative
      if (Number.isNaN(r)) r = Number.isNaN(a) ? a : Number.isNaN(b) ? b : NEGATIVE_NAN
      return new NixFloat(r)
    }
    // as Nix's __sub/__mul: floats when either operand is a float, the left operand first
    const bad = xi || xf ? y : x
    throw this.typeError(bad, xf || yf ? 'a float' : 'an integer', pos)
  }

  /** `builtins.lessThan` / `<`: numbers, strings, paths and lists (lexicographically). */
  lessThan(x: Value, y: Value, pos: PosIdx | undefined): boolean {
    const xn = typeof x === 'number' || typeof x === 'bigint' || x instanceof NixFloat
    const yn = typeof y === 'number' || typeof y === 'bigint' || y instanceof NixFloat
    if (xn && yn) {
      if ((typeof x === 'number' || typeof x === 'bigint') && (typeof y === 'number' || typeof y === 'bigint')) return x < y
      const a = x instanceof NixFloat ? x.v : Number(x)
      const b = y instanceof NixFloat ? y.v : Number(y)
      return a < b
    }
    const xs = typeof x === 'string' || x instanceof NixString
    const ys = typeof y === 'string' || y instanceof NixString
    if (xs && ys) return (typeof x === 'string' ? x : x.s) < (typeof y === 'string' ? y : y.s)
    if (x instanceof NixPath && y instanceof NixPath) return x.p < y.p
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; ; i++) {
        if (i === y.length) return false
        if (i === x.length) return true
        const a = this.force(x[i]!, pos)
        const b = this.force(y[i]!, pos)
        if (!this.eqValues(a, b, pos)) return this.lessThan(a, b, pos)
      }
    }
    throw new NixError('eval', `cannot compare ${showType(x)} with ${showType(y)}`)
  }

  private compileConcatStrings(e: Extract<Expr, { k: 'concatStrings' }>, scope: Scope | null): Code {
    const forceString = e.forceString
    const pos = e.pos
    if (!forceString && e.parts.length === 2) {
      const parts = this.compileParts(e.parts, scope)
      const a = parts[0]!
      const b = parts[1]!
      const poss = [a.pos, b.pos]
      return (env) => {
        const x = a.c(env)
        // (a number is not coerced, a plain string cannot fail to be: anything else is
        // coerced before the right operand is evaluated)
        if (typeof x === 'number' || typeof x === 'string') {
          const y = b.c(env)
          if (typeof x === 'number' && typeof y === 'number') {
            const z = x + y
            if (Number.isSafeInteger(z)) return z
          }
          if (typeof x === 'string' && typeof y === 'string') return x + y
          return this.concatParts(2, (i) => (i === 0 ? x : y), poss, false, pos)
        }
        return this.concatParts(2, (i) => (i === 0 ? x : b.c(env)), poss, false, pos)
      }
    }
    // string literals between interpolations are used as they are: no code to run
    const n = e.parts.length
    const literals: Array<string | undefined> = new Array(n)
    const codes: Array<Code | LocalRef | undefined> = new Array(n)
    const poss: PosIdx[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const part = e.parts[i]!
      if (part.e.k === 'str') literals[i] = part.e.v
      else codes[i] = this.compileRef(part.e, scope)
      poss[i] = part.pos
    }
    const value = (i: number, env: Env): Value => {
      const c = codes[i]
      return c === undefined ? literals[i]! : typeof c === 'function' ? c(env) : readLocal(env, c)
    }
    return (env) => {
      // common case: interpolating plain strings
      let s = ''
      let i = 0
      let v: Value = null
      if (forceString) {
        for (; i < n; i++) {
          const lit = literals[i]
          if (lit !== undefined) { s += lit; continue }
          const c = codes[i]!
          v = typeof c === 'function' ? c(env) : readLocal(env, c)
          if (typeof v !== 'string') break
          s += v
        }
        if (i === n) return s
      }
      if (i > 0) {
        // strings seen so far are kept as one part, then part i (evaluated), then the rest
        const ps = [poss[0]!, ...poss.slice(i)]
        const at = i
        const prefix = s
        const rest = v
        return this.concatParts(n - i + 1, (j) => (j === 0 ? prefix : j === 1 ? rest : value(at + j - 1, env)), ps, forceString, pos)
      }
      const first = v
      return this.concatParts(n, (j) => (j === 0 && forceString ? first : value(j, env)), poss, forceString, pos)
    }
  }

  /**
   * ExprConcatStrings::eval: `+` on numbers, strings and paths, and string interpolation.
   * `part(i)` evaluates part i (once, in order): each part is checked or coerced before the
   * next is evaluated, so an error in an earlier part wins, as in Nix.
   */
  concatParts(n: number, part: (i: number) => Value, poss: readonly PosIdx[], forceString: boolean, pos: PosIdx): Value {
    const first = part(0)
    if (!forceString && (typeof first === 'number' || typeof first === 'bigint' || first instanceof NixFloat)) {
      let acc: Value = first
      for (let i = 1; i < n; i++) {
        const v = part(i)
        const isNum = typeof v === 'number' || typeof v === 'bigint' || v instanceof NixFloat
        if (!isNum) {
          const what = acc instanceof NixFloat ? 'a float' : 'an integer'
          throw new NixError('eval', `cannot add ${showType(v)} to ${what}`, poss[i])
        }
        acc = this.arith('+', acc, v, poss[i])
      }
      return acc
    }
    const isPath = !forceString && first instanceof NixPath
    // paths are copied to the store only into a string (an interpolation, or `+` after a
    // string; not after a path or a set with outPath / __toString)
    const copy = forceString || typeof first === 'string' || first instanceof NixString
    const ctx = takeContext()
    let s = this.coerceToString(first, poss[0], ctx, false, copy)
    for (let i = 1; i < n; i++) s += this.coerceToString(part(i), poss[i], ctx, false, copy)
    if (isPath) {
      if (ctx.size > 0) throw new NixError('eval', 'a string that refers to a store path cannot be appended to a path', pos)
      return new NixPath(canonPath(s))
    }
    return finishString(s, ctx)
  }

  /** Compile and run a parsed expression in the base environment. */
  evalExpr(e: Expr): Value {
    return this.compileTop(e)(DUMMY_ENV)
  }

  /** Run `code` with a top-level env of the given values (for scopedImport). */
  runWith(code: Code, values: Lazy[]): Value {
    return code([null, ...values])
  }
}

/** C's `%f` (std::to_string of a double): exact digits, 6 decimals. */
export function formatFixed6(v: number): string {
  if (Number.isFinite(v) && Math.abs(v) >= 1e21) return `${BigInt(v).toString()}.000000`
  if (Number.isNaN(v)) return signBit(v) ? '-nan' : 'nan'
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf'
  // (JS drops the sign of -0, C keeps it)
  if (Object.is(v, -0)) return '-0.000000'
  return toFixedC(v, 6)
}

