/**
 * The evaluation state: the evaluator plus everything that touches the outside world
 * (files, environment variables, the search path, tracing), behind an `EvalIO` so a
 * library user can sandbox it.
 */
import * as fs from 'node:fs'
import { DEFAULT_STORE_DIR } from './hash-lazy.js'
import { registerBuiltins } from './builtins.js'
import { COREPKGS, COREPKGS_DIR } from './corepkgs.js'
import { NixError, setErrorFileReader } from './errors.js'
import { filterLogMessage } from './log.js'
import { Evaluator } from './eval.js'
import { parse } from './parser.js'
import type { Expr } from './ast.js'
import { Source, byteString, canonPath, type PosIdx } from './source.js'
import { NixAttrs, NixPath, StartupThunk, type Lazy, type Value } from './values.js'

/** Default store directory (`NIX_STORE_DIR` overrides it in the CLI); `@tsnix/hash`'s. */
export { DEFAULT_STORE_DIR }

/** Access to the outside world. Paths are byte strings (latin1). */
export interface EvalIO {
  readFileBytes(path: string, pos?: PosIdx): Buffer
  pathExists(path: string): boolean
  readDir(path: string, pos?: PosIdx): Array<[string, string]>
  /** 'regular' | 'directory' | 'symlink' | 'unknown', or undefined when missing. */
  fileType(path: string): string | undefined
  /** The target of a symbolic link, or undefined. */
  readLink(path: string): string | undefined
  getEnv(name: string): string | undefined
  /** Called by `builtins.trace` with the line to print (no newline). */
  trace(line: string): void
}

const latin1 = (p: string): Buffer => Buffer.from(p, 'latin1')

function errnoText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return 'No such file or directory'
    case 'EACCES': return 'Permission denied'
    case 'EISDIR': return 'Is a directory'
    case 'ENOTDIR': return 'Not a directory'
    default: return err.message
  }
}

/** The default I/O: the real file system and `process.env`, traces to stderr. */
export function nodeIO(env: NodeJS.ProcessEnv = process.env, stderr: (s: string) => void = (s) => process.stderr.write(Buffer.from(s, 'latin1'))): EvalIO {
  return {
    readFileBytes(path) {
      try {
        return fs.readFileSync(latin1(path))
      } catch (err) {
        const e = err as NodeJS.ErrnoException
        // a directory opens, and then fails to read (as Nix reports it)
        if (e.code === 'EISDIR') throw new NixError('eval', `reading from file: ${errnoText(e)}`)
        throw new NixError('eval', `opening file '${path}': ${errnoText(e)}`)
      }
    },
    pathExists(path) {
      try {
        fs.statSync(latin1(path))
        return true
      } catch {
        return false
      }
    },
    readDir(path) {
      let entries: fs.Dirent<Buffer>[]
      try {
        entries = fs.readdirSync(latin1(path), { withFileTypes: true, encoding: 'buffer' })
      } catch (err) {
        throw new NixError('eval', `opening directory '${path}': ${errnoText(err as NodeJS.ErrnoException)}`)
      }
      return entries.map((d) => [d.name.toString('latin1'),
        d.isFile() ? 'regular' : d.isDirectory() ? 'directory' : d.isSymbolicLink() ? 'symlink' : 'unknown'])
    },
    fileType(path) {
      try {
        const s = fs.lstatSync(latin1(path))
        return s.isFile() ? 'regular' : s.isDirectory() ? 'directory' : s.isSymbolicLink() ? 'symlink' : 'unknown'
      } catch {
        return undefined
      }
    },
    readLink(path) {
      try {
        return fs.readlinkSync(latin1(path), { encoding: 'buffer' }).toString('latin1')
      } catch {
        return undefined
      }
    },
    getEnv(name) {
      const v = env[name]
      return v === undefined ? undefined : byteString(v)
    },
    trace(line) {
      stderr(`${filterLogMessage(line, process.stderr.isTTY === true)}\n`)
    },
  }
}

/** Options of an evaluation. Paths and search-path entries are byte strings (latin1), as in `EvalIO`. */
export interface EvalOptions {
  /** Search path entries from `-I` (`prefix=path` or `path`), before `NIX_PATH`'s. */
  searchPath?: readonly string[]
  /** `NIX_PATH` entries; default: from `io.getEnv('NIX_PATH')`. */
  nixPath?: readonly string[]
  /** Store directory; default `/nix/store`. */
  storeDir?: string
  /** `builtins.currentSystem`; default `x86_64-linux`. */
  currentSystem?: string
  /** The home directory for `~/` paths; default from `HOME`. */
  home?: string
  /** Working directory for relative search-path entries and `-E`; default `process.cwd()`. */
  cwd?: string
  io?: EvalIO
  /** Record function-call frames in error traces (`--show-trace`). Default false. */
  traces?: boolean
  /**
   * Compute cheap operations that cannot fail (`n - 1` on an evaluated `n`) at once instead of
   * making thunks. Faster, but unevaluated values then print as values instead of `<CODE>`:
   * meant for runs that force the whole result (`--strict`). Default false.
   */
  speculate?: boolean
}

/** Split NIX_PATH on ':' but not inside URLs (`https://…`), as Nix's parseNixPath. */
export function parseNixPath(s: string): string[] {
  const res: string[] = []
  let cur = ''
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === ':') {
      // a ':' followed by '//' belongs to a URL scheme
      if (s.startsWith('//', i + 1) && /^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(cur.slice(cur.lastIndexOf('=') + 1))) {
        cur += c; i++; continue
      }
      res.push(cur); cur = ''; i++; continue
    }
    cur += c; i++
  }
  res.push(cur)
  return res.filter((x) => x !== '')
}

/** Evaluation state: parsing, imports, builtins and the outside world. */
export class EvalState extends Evaluator {
  readonly io: EvalIO
  readonly storeDir: string
  readonly currentSystem: string
  readonly home: string
  readonly cwd: string
  /** Parsed `(prefix, path)` search path entries. */
  readonly searchPath: Array<[string, string]> = []
  private readonly importCache = new Map<string, Value>()

  constructor(options: EvalOptions = {}) {
    super()
    this.io = options.io ?? nodeIO()
    this.storeDir = options.storeDir ?? DEFAULT_STORE_DIR
    this.currentSystem = options.currentSystem ?? 'x86_64-linux'
    this.home = options.home ?? this.io.getEnv('HOME') ?? '/'
    this.cwd = options.cwd ?? byteString(process.cwd())
    this.traces = options.traces ?? false
    this.speculate = options.speculate ?? false
    const nixPath = options.nixPath ?? this.defaultNixPath()
    for (const e of [...(options.searchPath ?? []), ...nixPath]) this.addToSearchPath(e)
    registerBuiltins(this)
    // a lambda written in Nix, as in Nix; parsed when first used (most runs never do)
    const derivation = new StartupThunk(() => this.evalFile(`${COREPKGS_DIR}/derivation.nix`), null)
    this.base.set('derivation', derivation)
    const b = this.base.get('builtins') as NixAttrs
    b.vals[b.shape.slotOf('derivation')!] = derivation
    setErrorFileReader((p) => {
      try {
        return this.io.readFileBytes(p).toString('latin1')
      } catch {
        return undefined
      }
    })
  }

  private defaultNixPath(): string[] {
    const env = this.io.getEnv('NIX_PATH')
    if (env !== undefined) return parseNixPath(env)
    const res: string[] = []
    const add = (p: string, prefix?: string): void => {
      if (this.io.pathExists(p)) res.push(prefix === undefined ? p : `${prefix}=${p}`)
    }
    add(`${this.home}/.nix-defexpr/channels`)
    add('/nix/var/nix/profiles/per-user/root/channels/nixpkgs', 'nixpkgs')
    add('/nix/var/nix/profiles/per-user/root/channels')
    return res
  }

  addToSearchPath(entry: string): void {
    const i = entry.indexOf('=')
    if (i < 0) this.searchPath.push(['', entry])
    else this.searchPath.push([entry.slice(0, i), entry.slice(i + 1)])
  }

  /** `builtins.nixPath`: a list of `{ path; prefix; }`. */
  nixPathValue(): Value {
    return this.searchPath.map(([prefix, path]) => NixAttrs.fromMap(new Map<string, Lazy>([['path', path], ['prefix', prefix]])))
  }

  trace(line: string): void {
    this.io.trace(line)
  }

  /** Parse a source text. */
  /**
   * Parse a source that will be compiled with the built-ins and `extra` names around it: a
   * large file's function bodies are then decoded, and compiled, when first called.
   */
  parseSource(src: Source, extra?: readonly string[]): Expr {
    const boundOutside = extra === undefined ? this.isBaseName : (name: string) => this.isBaseName(name) || extra.includes(name)
    return parse(src, { home: this.home, lazyBodies: true, boundOutside })
  }

  private readonly isBaseName = (name: string): boolean => this.base.has(name)

  /** Parse and evaluate a file (no caching). */
  evalFile(path: string, scope?: NixAttrs): Value {
    const text = COREPKGS.get(path) ?? this.io.readFileBytes(path).toString('latin1')
    const src = new Source('file', path, text, dirOfPath(path))
    const names = scope?.keys()
    const ast = this.parseSource(src, names)
    if (scope === undefined || names === undefined) return this.evalExpr(ast)
    const code = this.compileTop(ast, names)
    return this.runWith(code, names.map((n) => scope.get(n)!))
  }

  /** `import path`: resolve a directory to default.nix, evaluate once and cache. */
  importPath(path: string, _pos: PosIdx | undefined, scope?: NixAttrs): Value {
    const p = this.resolveExprPath(path)
    if (scope !== undefined) return this.evalFile(p, scope)
    const cached = this.importCache.get(p)
    if (cached !== undefined) return cached
    const v = this.evalFile(p)
    this.importCache.set(p, v)
    return v
  }

  override copyPathToStore(path: string, ctx: Set<string>, pos: PosIdx | undefined): string {
    if (this.io.fileType(path) === undefined) throw new NixError('eval', `getting status of '${path}': No such file or directory`)
    return super.copyPathToStore(path, ctx, pos)
  }

  /**
   * The file an `import` of `path` reads (resolveExprPath): symlinks of the file itself are
   * followed (so relative paths inside resolve next to the target), directories mean
   * `default.nix`.
   */
  resolveExprPath(path: string): string {
    if (COREPKGS.has(path)) return path
    let p = path
    for (let follow = 0; ; follow++) {
      if (follow >= 1024) throw new NixError('eval', `too many symbolic links encountered while traversing the path '${p}'`)
      const type = this.io.fileType(p)
      if (type === undefined) throw new NixError('eval', `getting status of '${p}': No such file or directory`)
      if (type === 'symlink') {
        const target = this.io.readLink(p) ?? ''
        p = canonPath(target, dirOfPath(p))
        continue
      }
      if (type === 'directory') p = canonPath(`${p}/default.nix`)
      return p
    }
  }

  /** Coerce to an absolute path string (`coerceToPath`). */
  coerceToPath(x: Lazy, pos: PosIdx | undefined, ctx: Set<string>): string {
    const s = this.coerceToString(x, pos, ctx, false, false)
    if (s === '' || s[0] !== '/') throw new NixError('eval', `string '${s}' doesn't represent an absolute path`, pos)
    return canonPath(s)
  }

  /** The path a file builtin should read (realisePath; store paths need no realisation here). */
  realisePath(x: Lazy, pos: PosIdx | undefined, _requireValid = true): string {
    const v = this.force(x, pos)
    if (v instanceof NixPath) return v.p
    const ctx = new Set<string>()
    return this.coerceToPath(v, pos, ctx)
  }

  /** `__findFile`: look `path` up in a search path list of `{ prefix; path; }`. */
  findFile(list: Lazy[], path: string, pos: PosIdx | undefined): string {
    for (const e of list) {
      const attrs = this.forceAttrs(e, pos)
      const pl = attrs.get('prefix')
      const prefix = pl === undefined ? '' : this.forceStringNoCtx(pl, pos)
      let suffix: string
      if (prefix === '') suffix = `/${path}`
      else {
        if (!path.startsWith(prefix) || (path.length > prefix.length && path[prefix.length] !== '/')) continue
        suffix = path.length === prefix.length ? '' : `/${path.slice(prefix.length + 1)}`
      }
      const pathL = attrs.get('path')
      if (pathL === undefined) throw this.missingAttr('path', attrs, pos)
      const base = this.coerceToString(pathL, pos, new Set(), false, false)
      if (/^[a-z]+:\/\//.test(base)) continue // URLs (channels, tarballs) need fetchers
      const abs = base.startsWith('/') ? base : `${this.cwd}/${base}`
      const res = abs + suffix
      if (this.io.pathExists(res)) return canonPath(res)
    }
    if (path.startsWith('nix/')) return `${COREPKGS_DIR}/${path.slice(4)}`
    throw new NixError('thrown', `file '${path}' was not found in the Nix search path (add it using $NIX_PATH or -I)`, pos)
  }
}

function dirOfPath(p: string): string {
  const i = p.lastIndexOf('/')
  return i <= 0 ? '/' : p.slice(0, i)
}

