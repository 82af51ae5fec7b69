/**
 * What `nix-instantiate --eval` / `--parse` does with its arguments (nix-instantiate.cc,
 * attr-path.cc): read the expressions, follow `-A` paths with automatic function calls,
 * and print the values in the chosen format. Pure library code: it returns the output.
 */
import { showExpr } from './ast.js'
import { NixError, formatNixError } from './errors.js'
import { filterLogMessage } from './log.js'
import { evalNatively, nativeJob } from './native-eval.js'
import { canonPath } from './source.js'
import { forceDeep, printValue, toJSON, toXML } from './print.js'
import { Source, byteString } from './source.js'
import { EvalState, nodeIO, type EvalIO } from './state.js'
import { Lambda, NixAttrs, Thunk, showType, type Lazy, type Value } from './values.js'

/** An automatic argument: `--arg name expr` or `--argstr name string`. */
export interface AutoArg {
  name: string
  kind: 'expr' | 'str'
  value: string
}

/**
 * What `nix-instantiate` gets on its command line. Strings here are ordinary (Unicode) strings,
 * as in `process.argv`: they are taken as UTF-8, as Nix takes its arguments' bytes.
 */
export interface InstantiateOptions {
  /** 'eval' (--eval), 'parse' (--parse); 'instantiate' (neither) needs the store. */
  mode: 'eval' | 'parse' | 'instantiate'
  strict?: boolean
  output?: 'nix' | 'json' | 'xml'
  /** XML output: include positions (default true; --no-location turns it off). */
  location?: boolean
  /** -E: the items are expressions, not files. */
  fromArgs?: boolean
  /**
   * Files (`<path>` for the search path), or expressions with `fromArgs`; `-` among them (with or
   * without `fromArgs`) reads `stdin` first.
   */
  items?: readonly string[]
  attrPaths?: readonly string[]
  autoArgs?: readonly AutoArg[]
  /** -I entries. */
  searchPath?: readonly string[]
  showTrace?: boolean
  cwd?: string
  /** Standard input contents (for `-`), as bytes. */
  stdin?: Uint8Array
  io?: EvalIO
  storeDir?: string
  /** Stderr is a terminal: messages keep their colour sequences (as Nix's logger does). */
  colour?: boolean
  /**
   * Where `builtins.trace` messages go as they happen (a byte string with its newline), as Nix
   * prints them; without it they are collected in the result's `stderr`.
   */
  onTrace?: (text: string) => void
  /** Leave out this many first trace messages (shown already by an attempt that overflowed the stack). */
  skipTraces?: number
  /**
   * Try the native evaluator first (see native-eval.ts): for `--eval --strict` of one file or
   * expression, without `--arg` or a custom `io`. Default: true unless `TSNIX_NATIVE_EVAL=0`.
   */
  native?: boolean
}

export interface InstantiateResult {
  /** Bytes as a byte string (latin1). */
  stdout: string
  /** Diagnostics as a byte string (latin1). */
  stderr: string
  exitCode: number
  /** True when the evaluation failed with a JS stack overflow (retry with a larger stack). */
  stackOverflow: boolean
  /** True when the native evaluator produced the output (see `InstantiateOptions.native`). */
  native?: boolean
}

function parseAttrPath(s: string): string[] {
  const res: string[] = []
  let cur = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '.') { res.push(cur); cur = '' } else if (c === '"') {
      i++
      for (;;) {
        if (i >= s.length) throw new NixError('syntax', `missing closing quote in selection path '${s}'`)
        if (s[i] === '"') break
        cur += s[i++]
      }
    } else cur += c
  }
  if (cur !== '') res.push(cur)
  return res
}

/** Call a function that takes a set of formals with the automatic arguments (autoCallFunction). */
export function autoCall(st: EvalState, autoArgs: NixAttrs, fun: Lazy): Value {
  let f = st.force(fun)
  if (f instanceof NixAttrs) {
    const functor = f.get('__functor')
    if (functor !== undefined) {
      const v = st.call(st.force(functor), [f], undefined)
      return autoCall(st, autoArgs, v)
    }
  }
  if (!(f instanceof Lambda) || f.info.formals === undefined) return f
  const m = new Map<string, Lazy>()
  if (f.info.ellipsis) {
    for (const k of autoArgs.keys()) m.set(k, autoArgs.get(k)!)
  } else {
    for (const fm of f.info.formals) {
      const v = autoArgs.get(fm.name)
      if (v !== undefined) m.set(fm.name, v)
      else if (fm.def === undefined) {
        throw new NixError('missing-argument', `cannot evaluate a function that has an argument without a value ('${fm.name}')
Nix attempted to evaluate a function as a top level expression; in this case it must have its arguments supplied either by default values, or passed explicitly with '--arg' or '--argstr'. See https://nixos.org/manual/nix/stable/#ss-functions.`, fm.pos)
      }
    }
  }
  f = st.callLambda(f, NixAttrs.fromMap(m), undefined)
  return f
}

/** Follow an attribute path (`a.b.0`), auto-calling functions on the way (findAlongAttrPath). */
export function findAlongAttrPath(st: EvalState, path: string, autoArgs: NixAttrs, root: Lazy): Lazy {
  let v: Lazy = root
  for (const attr of parseAttrPath(path)) {
    const cur = autoCall(st, autoArgs, v)
    if (/^[0-9]+$/.test(attr)) {
      if (!Array.isArray(cur)) {
        throw new NixError('type', `the expression selected by the selection path '${path}' should be a list but is ${showType(cur)}`)
      }
      const idx = Number(attr)
      if (idx >= cur.length) throw new NixError('eval', `list index ${idx} in selection path '${path}' is out of range`)
      v = cur[idx]!
    } else {
      if (!(cur instanceof NixAttrs)) {
        throw new NixError('type', `the expression selected by the selection path '${path}' should be a set but is ${showType(cur)}`)
      }
      if (attr === '') throw new NixError('eval', `empty attribute name in selection path '${path}'`)
      const a = cur.get(attr)
      if (a === undefined) {
        const err = new NixError('missing-attribute', `attribute '${attr}' in selection path '${path}' not found`)
        err.suggestions = st.missingAttr(attr, cur, undefined).suggestions
        throw err
      }
      v = a
    }
  }
  return v
}

/** Run `nix-instantiate` on parsed options; never throws for Nix errors (they go to stderr). */
export function runInstantiate(opts: InstantiateOptions): InstantiateResult {
  let stdout = ''
  let stderr = ''
  const cwd = byteString(opts.cwd ?? process.cwd())
  const fast = nativeJob(opts, cwd)
  if (fast !== undefined) {
    const out = evalNatively(fast)
    if (out !== undefined) return { stdout: out, stderr: '', exitCode: 0, stackOverflow: false, native: true }
  }
  const showTrace = opts.showTrace ?? false
  const baseIO = opts.io ?? nodeIO()
  const colour = opts.colour ?? false
  let skipTraces = opts.skipTraces ?? 0
  const trace = (line: string): void => {
    if (skipTraces > 0) { skipTraces--; return }
    const text = `${filterLogMessage(line, colour)}\n`
    if (opts.onTrace !== undefined) opts.onTrace(text)
    else stderr += text
  }
  const io: EvalIO = { ...baseIO, trace }
  const st = new EvalState({
    searchPath: (opts.searchPath ?? []).map(byteString),
    cwd,
    traces: showTrace,
    // with --strict every value is forced before it is printed: no `<CODE>` to preserve
    speculate: opts.strict === true && opts.mode === 'eval',
    ...(opts.storeDir !== undefined ? { storeDir: byteString(opts.storeDir) } : {}),
    io,
  })
  try {
    // `-` anywhere, even with -E, reads standard input, once, before the other items (as Nix 2.8)
    const items = opts.items ?? []
    const readStdin = items.includes('-')
    const rest = items.filter((item) => item !== '-')
    const list = rest.length === 0 && opts.fromArgs !== true && !readStdin ? ['./default.nix'] : rest
    const exprs = list.map((item) => {
      if (opts.fromArgs === true) return st.parseSource(new Source('string', '', byteString(item), cwd))
      let path: string
      if (item.startsWith('<') && item.endsWith('>')) {
        path = st.findFile(st.nixPathValue() as Lazy[], byteString(item.slice(1, -1)), undefined)
      } else path = canonPath(byteString(item), cwd)
      path = st.resolveExprPath(path)
      const text = st.io.readFileBytes(path).toString('latin1')
      return st.parseSource(new Source('file', path, text, path.slice(0, Math.max(1, path.lastIndexOf('/')))))
    })
    if (readStdin) exprs.unshift(st.parseSource(new Source('stdin', '', Buffer.from(opts.stdin ?? new Uint8Array()).toString('latin1'), cwd)))
    if (opts.mode === 'parse') {
      for (const e of exprs) {
        st.compileTop(e) // resolves variables: undefined ones are parse errors
        stdout += `${showExpr(e)}\n`
      }
      return { stdout, stderr, exitCode: 0, stackOverflow: false }
    }
    if (opts.mode !== 'eval') {
      throw new NixError('eval', 'instantiating derivations is not supported yet (use --eval)')
    }
    const autoMap = new Map<string, Lazy>()
    for (const a of opts.autoArgs ?? []) {
      if (a.kind === 'str') autoMap.set(byteString(a.name), byteString(a.value))
      else {
        const e = st.parseSource(new Source('string', '', byteString(a.value), cwd))
        const code = st.compileTop(e)
        autoMap.set(byteString(a.name), new Thunk(code, null))
      }
    }
    const autoArgs = NixAttrs.fromMap(autoMap)
    const attrPaths = opts.attrPaths !== undefined && opts.attrPaths.length > 0 ? opts.attrPaths.map(byteString) : ['']
    // compile each expression when its turn comes, then let its syntax tree go: on a big
    // file it is as large as the compiled code, and evaluation never needs it
    while (exprs.length > 0) {
      const root = st.runWith(st.compileTop(exprs.shift()!), [])
      for (const ap of attrPaths) {
        const v = findAlongAttrPath(st, ap, autoArgs, root)
        st.force(v)
        const res: Lazy = autoMap.size === 0 ? v : autoCall(st, autoArgs, v)
        const ctx = new Set<string>()
        if (opts.output === 'xml') {
          stdout += toXML(st, res, opts.strict ?? false, opts.location ?? true, ctx)
        } else if (opts.output === 'json') {
          stdout += toJSON(st, res, ctx, undefined, opts.strict ?? false)
        } else {
          if (opts.strict === true) forceDeep(st, res)
          stdout += `${printValue(res)}\n`
        }
      }
    }
    return { stdout, stderr, exitCode: 0, stackOverflow: false }
  } catch (err) {
    let e: NixError
    if (err instanceof NixError) e = err
    else if (err instanceof RangeError && err.message === 'Maximum call stack size exceeded') {
      e = new NixError('stack-overflow', 'stack overflow (possible infinite recursion)')
    } else if (err instanceof RangeError && /^Invalid (array|string|typed array) length|^Array buffer allocation failed/.test(err.message)) {
      // (`genList f 4294967297`; V8's strings stop at 2^29 - 24 bytes)
      e = new NixError('out-of-memory', 'out of memory')
    } else throw err
    if (e.partialOutput !== undefined) stdout += e.partialOutput
    stderr += `${filterLogMessage(formatNixError(e, showTrace), colour)}\n`
    if (!showTrace && e.traces.length > 0) stderr += "(use '--show-trace' to show detailed location information)\n"
    return { stdout, stderr, exitCode: e.exitCode, stackOverflow: e.code === 'stack-overflow' }
  }
}
