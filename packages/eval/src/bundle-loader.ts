/**
 * Loading the `instantiate` tool from its one-file CommonJS bundle (`dist/instantiate.bundle.cjs`,
 * made by `scripts/bundle.mjs` at build time) through `vm.Script`, with the V8 code cache made at
 * build time (`….cjs.cache`): Node 20 reads, resolves and links ES modules one by one and
 * compiles each function on its first call, which for a small evaluation costs more than the
 * evaluation itself. V8 ignores a cache that does not fit this Node (another version).
 */
import { readFileSync } from 'node:fs'
import { Module, createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import vm from 'node:vm'

type Main = (argv: string[], options?: { ownsProcess?: boolean }) => Promise<void>

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
 * Load the bundle, with its code cache unless `useCache` is false; undefined when it was not
 * built.
 */
export function loadBundle(file: string, useCache = true): { main: Main; script: vm.Script } | undefined {
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
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cacheFor(source, cacheFile) })
  const module = { exports: {} as { main?: Main } }
  const init = script.runInThisContext() as (...args: unknown[]) => void
  init(module.exports, createRequire(file), module, file, dirname(file))
  if (module.exports.main === undefined) throw new Error(`${file} does not export main`)
  return { main: module.exports.main, script }
}

/** Run the tool from the bundle in `dist`; false when it was not built. */
export function runFromBundle(dist: string): boolean {
  const bundle = loadBundle(join(dist, 'instantiate.bundle.cjs'))
  if (bundle === undefined) return false
  void bundle.main(process.argv.slice(2))
  return true
}
