/**
 * Running a tool from its one-file CommonJS bundle (`dist/<tool>.bundle.cjs`, made at build time
 * by `scripts/bundle-tool.mjs`) through `vm.Script`, with the V8 code cache made at build time
 * after a warm-up run (`….cjs.cache`): Node 20 reads, resolves and links ES modules one by one
 * and compiles each function on its first call, which costs a short run more than its work.
 * V8 ignores a cache that does not fit this Node (another version, other V8 flags).
 */
import { readFileSync } from 'node:fs'
import { Module, createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

/**
 * What a tool's bundle exports: run the tool on `argv` (without the node and script paths).
 * `ownsProcess: false` asks a tool that may end the process early not to (the build's warm-up).
 */
export type BundleMain = (argv: string[], options?: { ownsProcess?: boolean }) => Promise<void>

/** A loaded bundle: its `main`, and the script, whose code cache the build writes. */
export interface LoadedBundle {
  main: BundleMain
  script: Script
}

/**
 * The build's mark: the bundle ends with `// build <id>` and its cache starts with `<id>\n`.
 * V8 accepts a code cache for any source of the same length (it does not hash the text), so
 * without the mark a cache left from another build could run stale code.
 */
const MARK = /\/\/ build ([0-9a-f-]{36})\n$/

/** The cache data of a `….cache` file, if it was made for `source` (see `MARK`). */
export function cacheFor(source: string, cacheFile: Buffer | undefined): Buffer | undefined {
  const id = MARK.exec(source)?.[1]
  if (id === undefined || cacheFile === undefined) return undefined
  const header = `${id}\n`
  return cacheFile.toString('latin1', 0, header.length) === header ? cacheFile.subarray(header.length) : undefined
}

/**
 * Load a bundle, with its code cache unless `useCache` is false; undefined when it was not built.
 * @throws Error when the bundle does not export `main`.
 */
export function loadBundle(file: string, useCache = true): LoadedBundle | undefined {
  let source: string
  try {
    source = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  let cacheFile: Buffer | undefined
  try {
    cacheFile = useCache ? readFileSync(`${file}.cache`) : undefined
  } catch {
    cacheFile = undefined
  }
  // (a script with a code cache cannot `import()`: the bundle `require`s what it loads lazily)
  const script = new Script(Module.wrap(source), { filename: file, cachedData: cacheFor(source, cacheFile) })
  const module = { exports: {} as { main?: BundleMain } }
  const init = script.runInThisContext() as (...args: unknown[]) => void
  init(module.exports, createRequire(file), module, file, dirname(file))
  if (module.exports.main === undefined) throw new Error(`${file} does not export main`)
  return { main: module.exports.main, script }
}

/**
 * A tool's entry: run the tool on this process's arguments from its bundle, or, when that was
 * not built, from its modules.
 */
export function runTool(bundle: URL, modules: () => Promise<{ main: BundleMain }>): void {
  const argv = process.argv.slice(2)
  const loaded = loadBundle(fileURLToPath(bundle))
  void (loaded === undefined ? modules().then((m) => m.main(argv)) : loaded.main(argv))
}
