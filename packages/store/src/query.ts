import { type PathGraph, type PathInfo, type StoreDb, StoreDbError, topoSortPaths } from '@tsnix/store-db'

/** Box-drawing pieces of `nix-store -q --tree` (Nix src/libmain/shared.hh). */
const TREE_CONN = '├───'
const TREE_LAST = '└───'
const TREE_LINE = '│   '
const TREE_NULL = '    '

/** Colours cycled through by the edges of `nix-store -q --graph` (src/nix-store/dotgraph.cc). */
const DOT_COLOURS = ['black', 'red', 'green', 'blue', 'magenta', 'burlywood'] as const

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

/**
 * `nix-store -q --tree PATHS`: each path's references drawn as a tree, references sorted
 * topologically (Nix's `printTree`); a path already shown is printed once more with
 * ` [...]` and not expanded. The closure is loaded in one query and drawn iteratively.
 * @throws {StoreDbError} `invalid-path`.
 */
export function renderTree(db: StoreDb, paths: readonly string[]): string {
  if (paths.length === 0) return ''
  const graph = db.queryClosureGraph(paths)
  const refs = (p: string): readonly string[] => graph.references.get(p) ?? []
  const out: string[] = []
  const done = new Set<string>()
  type Frame = { path: string; firstPad: string; tailPad: string }
  for (const root of paths) {
    const stack: Frame[] = [{ path: root, firstPad: '', tailPad: '' }]
    while (stack.length > 0) {
      const { path, firstPad, tailPad } = stack.pop() as Frame
      if (done.has(path)) {
        out.push(`${firstPad}${path} [...]\n`)
        continue
      }
      done.add(path)
      out.push(`${firstPad}${path}\n`)
      const sorted = topoSortPaths(refs(path), refs).reverse()
      // Push in reverse so the first child is drawn first.
      for (let n = sorted.length - 1; n >= 0; n--) {
        const last = n + 1 === sorted.length
        stack.push({ path: sorted[n] as string, firstPad: tailPad + (last ? TREE_LAST : TREE_CONN), tailPad: tailPad + (last ? TREE_NULL : TREE_LINE) })
      }
    }
  }
  return out.join('')
}

/**
 * `nix-store -q --graph PATHS`: the closure as a Graphviz dot graph, nodes in Nix's order
 * (always the least unvisited path next) and edge colours cycling as Nix's do.
 * @throws {StoreDbError} `invalid-path`.
 */
export function renderDotGraph(db: StoreDb, roots: readonly string[]): string {
  const graph: PathGraph = db.queryClosureGraph(roots)
  const out: string[] = ['digraph G {\n']
  const quote = (s: string): string => `"${s}"`
  let colour = 0
  const heap = new MinHeap()
  for (const r of roots) heap.push(r)
  const done = new Set<string>()
  while (heap.size > 0) {
    const path = heap.pop()
    if (done.has(path)) continue
    done.add(path)
    const id = baseName(path)
    const name = id.slice(33)
    out.push(`${quote(id)} [label = ${quote(name)}, shape = box, style = filled, fillcolor = ${quote('#ff0000')}];\n`)
    for (const ref of graph.references.get(path) ?? []) {
      if (ref === path) continue
      heap.push(ref)
      out.push(`${quote(baseName(ref))} -> ${quote(id)} [color = ${quote(DOT_COLOURS[colour++ % DOT_COLOURS.length] as string)}];\n`)
    }
  }
  out.push('}\n')
  return out.join('')
}

/** A binary min-heap of strings (byte order for ASCII store paths). */
class MinHeap {
  readonly #a: string[] = []
  get size(): number {
    return this.#a.length
  }
  push(v: string): void {
    const a = this.#a
    a.push(v)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if ((a[p] as string) <= v) break
      a[i] = a[p] as string
      i = p
    }
    a[i] = v
  }
  pop(): string {
    const a = this.#a
    const top = a[0] as string
    const last = a.pop() as string
    if (a.length > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= a.length) break
        const r = l + 1
        const c = r < a.length && (a[r] as string) < (a[l] as string) ? r : l
        if ((a[c] as string) >= last) break
        a[i] = a[c] as string
        i = c
      }
      a[i] = last
    }
    return top
  }
}

/** One element of `nix path-info --json` (Nix 2.8 `pathInfoToJSON`, SRI hashes). */
export type PathInfoJson =
  | { path: string; valid: false }
  | {
    path: string; narHash: string; narSize: number; references: string[]; ca?: string
    deriver?: string; registrationTime?: number; ultimate?: true; signatures?: string[]
  }

/** `nix path-info --json` for `paths` (ascending, deduplicated), invalid ones as `valid: false`. */
export function pathInfoJson(db: StoreDb, paths: Iterable<string>): PathInfoJson[] {
  return [...new Set(paths)].sort().map((path) => {
    const info: PathInfo | undefined = db.queryPathInfo(path)
    if (info === undefined) return { path, valid: false as const }
    const o: PathInfoJson = {
      path, narHash: info.narHash.format('sri'), narSize: info.narSize, references: [...info.references],
    }
    if (info.ca !== undefined) o.ca = info.ca
    if (info.deriver !== undefined) o.deriver = info.deriver
    if (info.registrationTime !== 0) o.registrationTime = info.registrationTime
    if (info.ultimate) o.ultimate = true
    if (info.sigs.length > 0) o.signatures = [...info.sigs]
    return o
  })
}

/** Which `nix-store -q` query to run. */
export type QueryKind =
  | 'outputs' | 'requisites' | 'references' | 'referrers' | 'referrers-closure'
  | 'deriver' | 'valid-derivers' | 'hash' | 'size' | 'tree' | 'graph' | 'json'

/** Options of {@link runQuery}. */
export interface RunQueryOptions {
  /** `--include-outputs`: with `requisites`, add the valid outputs of derivations. */
  readonly includeOutputs?: boolean
  /** `--use-output`/`-u`: replace each derivation argument by its outputs. */
  readonly useOutput?: boolean
  /** With `json`: describe the whole closure (as `nix path-info --json -r`). */
  readonly recursive?: boolean
}

/**
 * Run a `nix-store -q` query over store paths (already resolved to store paths) and return
 * its output exactly as Nix 2.8 prints it: lines for list queries (items without
 * separators), or the whole text for `tree`, `graph` and `json`.
 * @throws {StoreDbError} `invalid-path` as Nix ("path '…' is not valid").
 */
export function runQuery(db: StoreDb, kind: QueryKind, paths: readonly string[], options: RunQueryOptions = {}): string[] | string {
  const outputsOf = (p: string): string[] => [...new Set(db.queryDerivationOutputs(p).values())].sort()
  const maybeUseOutputs = (p: string, use: boolean): string[] => (use && p.endsWith('.drv') ? outputsOf(p) : [p])
  const info = (p: string): PathInfo => {
    const i = db.queryPathInfo(p)
    if (i === undefined) throw new StoreDbError('invalid-path', `path '${p}' is not valid`)
    return i
  }
  const useOutput = options.useOutput === true
  switch (kind) {
    case 'outputs':
      return paths.flatMap((p) => maybeUseOutputs(p, true))
    case 'requisites':
    case 'references':
    case 'referrers':
    case 'referrers-closure': {
      const args = [...new Set(paths.flatMap((p) => maybeUseOutputs(p, useOutput)))]
      if (kind === 'requisites') return db.queryRequisites(args, { includeOutputs: options.includeOutputs === true })
      if (kind === 'referrers-closure') return db.queryReferrersClosure(args)
      const set = new Set<string>()
      for (const p of args) for (const r of kind === 'references' ? info(p).references : db.queryReferrers(p)) set.add(r)
      return db.topoSortPaths(set).reverse()
    }
    case 'deriver':
      return paths.map((p) => info(p).deriver ?? 'unknown-deriver')
    case 'valid-derivers':
      return paths.flatMap((p) => db.queryValidDerivers(p))
    case 'hash':
    case 'size':
      return paths.flatMap((p) => maybeUseOutputs(p, useOutput)).map((p) => {
        const i = info(p)
        return kind === 'hash' ? i.narHash.format('nix32', true) : String(i.narSize)
      })
    case 'tree':
      return renderTree(db, paths)
    case 'graph':
      return renderDotGraph(db, [...new Set(paths.flatMap((p) => maybeUseOutputs(p, useOutput)))])
    case 'json': {
      const args = paths.flatMap((p) => maybeUseOutputs(p, useOutput))
      const list = options.recursive === true ? db.queryClosure(args, { includeOutputs: options.includeOutputs === true }) : args
      return `${JSON.stringify(pathInfoJson(db, list))}\n`
    }
    default:
      throw new StoreDbError('bad-argument', `unknown query '${String(kind)}'`)
  }
}
