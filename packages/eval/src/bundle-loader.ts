/**
 * Loading the `instantiate` tool from its one-file CommonJS bundle (`dist/instantiate.bundle.cjs`,
 * made by `scripts/bundle.mjs` at build time) through `vm.Script`, with the V8 code cache made at
 * build time (`….cjs.cache`): Node 20 reads, resolves and links ES modules one by one and
 * compiles each function on its first call, which for a small evaluation costs more than the
 * evaluation itself. V8 ignores a cache that does not fit this Node (another version).
 */
import { readFileSync } from 'node:fs'
import { Module, createRequire } from 'node:module'
import { dirname } from 'node:path'
import vm from 'node:vm'

type Main = (argv: string[]) => Promise<void>

/** Load the bundle (and its code cache); undefined when it was not built. */
export function loadBundle(file: string): { main: Main; script: vm.Script } | undefined {
  let source: string
  try {
    source = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(`${file}.cache`)
  } catch {
    cachedData = undefined
  }
  // (a script with a code cache cannot `import()`: the bundle `require`s what it loads lazily)
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData })
  const module = { exports: {} as { main?: Main } }
  const init = script.runInThisContext() as (...args: unknown[]) => void
  init(module.exports, createRequire(file), module, file, dirname(file))
  if (module.exports.main === undefined) throw new Error(`${file} does not export main`)
  return { main: module.exports.main, script }
}
