import { byteString, resolvePos, type Pos, type PosIdx } from './source.js'

/** Kinds of evaluation failure; `thrown` and `assertion` are what `builtins.tryEval` catches. */
export type NixErrorCode =
  | 'syntax' | 'undefined-variable' | 'type' | 'thrown' | 'assertion' | 'abort'
  | 'missing-attribute' | 'missing-argument' | 'infinite-recursion' | 'stack-overflow' | 'eval'
  /** A list or string beyond what the JS engine can hold (Nix: "out of memory"). */
  | 'out-of-memory'
  /** A bad argument Nix treats as a usage error (an unknown hash algorithm). */
  | 'usage'

/** One "… while evaluating" frame of an error trace. */
export interface TraceFrame {
  msg: string
  pos: PosIdx | undefined
}

/**
 * A Nix language error: a message, the position it points at, suggestions ("Did you mean")
 * and the trace frames collected while it propagated (shown with --show-trace).
 */
export class NixError extends Error {
  readonly code: NixErrorCode
  /** The position (compact); `pos` gives its line and column. */
  posIdx: PosIdx | undefined
  readonly traces: TraceFrame[] = []
  suggestions: string[] = []
  exitCode = 1
  /** For JSON output: what Nix would already have printed when the error happened. */
  partialOutput: string | undefined
  constructor(code: NixErrorCode, message: string, pos?: PosIdx) {
    super(message)
    this.name = 'NixError'
    this.code = code
    this.posIdx = pos
  }

  /** Where the error is, with line and column. */
  get pos(): Pos | undefined {
    return resolvePos(this.posIdx)
  }

  /** Add a trace frame (innermost first). Returns this. */
  addTrace(msg: string, pos: PosIdx | undefined): this {
    // a stack overflow has no trace in Nix (it comes from a signal handler)
    if (this.code !== 'stack-overflow' && this.traces.length < 10000) this.traces.push({ msg, pos })
    return this
  }

  /** True for errors `builtins.tryEval` turns into `{ success = false; }`. */
  get catchable(): boolean {
    return this.code === 'thrown' || this.code === 'assertion'
  }
}

/** A parse error (syntax, duplicate attribute, undefined variable…): raised before evaluation. */
export class NixSyntaxError extends NixError {
  constructor(message: string, pos?: PosIdx, code: NixErrorCode = 'syntax') {
    super(code, message, pos)
    this.name = 'NixSyntaxError'
  }
}

const ELLIPSIS = byteString('…')

/** Levenshtein distance, for "Did you mean" suggestions. */
function levenshtein(a: string, b: string): number {
  let v0 = Array.from({ length: b.length + 1 }, (_, i) => i)
  let v1 = new Array<number>(b.length + 1).fill(0)
  for (let i = 0; i < a.length; i++) {
    v1[0] = i + 1
    for (let j = 0; j < b.length; j++) {
      const del = v0[j + 1]! + 1
      const ins = v1[j]! + 1
      const sub = a[i] === b[j] ? v0[j]! : v0[j]! + 1
      v1[j + 1] = Math.min(del, ins, sub)
    }
    ;[v0, v1] = [v1, v0]
  }
  return v0[b.length]!
}

/** The best matches for `query` among `names`, as Nix 2.8 picks them (≤ 5, distance ≤ 2). */
export function suggest(names: Iterable<string>, query: string): string[] {
  const scored: Array<[number, string]> = []
  for (const n of names) scored.push([levenshtein(query, n), n])
  scored.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0))
  const out: string[] = []
  for (const [d, n] of scored) {
    if (out.length >= 5 || d > 2) break
    out.push(n)
  }
  return out
}

/** The source lines around a position, as Nix prints them under `at file:line:col:`. */
function codeLines(pos: Pos): string[] {
  let lines: string[]
  if (pos.src.origin === 'file') {
    // Nix reads files line by line: a last line without a newline is not a line
    const text = readFileLatin1(pos.src.path) ?? pos.src.text
    lines = text.split('\n')
    lines.pop()
  } else {
    lines = pos.src.text.split('\n')
  }
  const out: string[] = []
  const l = pos.line
  const num = (n: number): string => String(n).padStart(5)
  if (lines[l - 1] === undefined) return out
  if (l - 1 >= 1 && lines[l - 2] !== undefined) out.push(` ${num(l - 1)}| ${lines[l - 2]}`)
  out.push(` ${num(l)}| ${lines[l - 1]}`)
  if (pos.col > 0) out.push(`      |${' '.repeat(pos.col)}^`)
  if (lines[l] !== undefined) out.push(` ${num(l + 1)}| ${lines[l]}`)
  return out
}

let readFileHook: ((path: string) => string | undefined) | undefined
/** Install the file reader used to show source lines of files (set by the evaluator). */
export function setErrorFileReader(f: (path: string) => string | undefined): void {
  readFileHook = f
}
function readFileLatin1(path: string): string | undefined {
  return readFileHook?.(path)
}

/**
 * Format an error exactly as Nix 2.8 prints it on stderr (without colours): `error: msg`,
 * the position and source lines, suggestions, and the trace when `showTrace` is set.
 * The result is a byte string (latin1) ending without a newline.
 */
export function formatNixError(err: NixError, showTrace = false): string {
  let body = `${err.message}\n`
  const addPos = (idx: PosIdx | undefined): void => {
    const pos = resolvePos(idx)
    if (pos === undefined) return
    body += `\nat ${pos.where()}:\n`
    const lines = codeLines(pos)
    if (lines.length > 0) body += `${lines.map((x) => `\n${x}`).join('')}\n`
  }
  addPos(err.posIdx)
  if (err.suggestions.length > 0) {
    const s = err.suggestions
    const list = s.length === 1 ? s[0]! : `one of ${s.slice(0, -1).join(', ')} or ${s[s.length - 1]!}`
    body += `Did you mean ${list}?\n`
  }
  if (showTrace) {
    for (const t of err.traces) {
      body += `\n${ELLIPSIS} ${t.msg}\n`
      addPos(t.pos)
    }
  }
  body = body.replace(/\s+$/, '')
  const lines = body.split('\n')
  const text = lines.map((line, i) => (i === 0 ? `error: ${line}` : `       ${line}`).replace(/\s+$/, '')).join('\n')
  // (Nix 2.8 prints a usage error this way, whatever the program)
  return err.code === 'usage' ? `${text}\nTry 'nix-instantiate --help' for more information.` : text
}
