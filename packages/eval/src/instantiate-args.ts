/**
 * Parsing of `nix-instantiate` arguments. Done by hand because Nix's flags repeat
 * (-I, -A, --arg) and take two values (--arg NAME EXPR), which citty cannot express.
 */
import type { InstantiateOptions } from './instantiate.js'

/** A usage error in the arguments (exit code 2). */
export class InstantiateUsageError extends Error {
  readonly exitCode = 2
  constructor(message: string) {
    super(message)
    this.name = 'InstantiateUsageError'
  }
}

const IGNORED = new Set(['--read-write-mode', '--readonly-mode', '--impure', '--quiet', '-Q', '--no-build-output', '-v', '--verbose'])

/** Parse nix-instantiate's argument vector into options (without stdin/io). */
export function parseInstantiateArgs(argv: readonly string[]): InstantiateOptions {
  let mode: InstantiateOptions['mode'] = 'instantiate'
  let output: NonNullable<InstantiateOptions['output']> = 'nix'
  let strict = false
  let location = true
  let fromArgs = false
  let showTrace = false
  const items: string[] = []
  const attrPaths: string[] = []
  const autoArgs: NonNullable<InstantiateOptions['autoArgs']>[number][] = []
  const searchPath: string[] = []
  const need = (i: number, n: number, flag: string): void => {
    if (i + n >= argv.length) throw new InstantiateUsageError(`flag '${flag}' requires ${n === 1 ? 'an argument' : `${n} arguments`}`)
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') { items.push(...argv.slice(i + 1)); break }
    switch (a) {
      case '--eval': mode = 'eval'; continue
      case '--parse': mode = 'parse'; continue
      case '--strict': strict = true; continue
      case '--json': output = 'json'; continue
      case '--xml': output = 'xml'; continue
      case '--no-location': location = false; continue
      case '--show-trace': showTrace = true; continue
      case '-E': case '--expr': fromArgs = true; continue
      case '-A': case '--attr': need(i, 1, a); attrPaths.push(argv[++i]!); continue
      case '-I': case '--include': need(i, 1, a); searchPath.push(argv[++i]!); continue
      case '--arg': case '--argstr':
        need(i, 2, a)
        autoArgs.push({ name: argv[i + 1]!, kind: a === '--arg' ? 'expr' : 'str', value: argv[i + 2]! })
        i += 2
        continue
      case '--option': need(i, 2, a); i += 2; continue
      case '--add-root': case '--store': need(i, 1, a); i++; continue
      default:
    }
    if (IGNORED.has(a)) continue
    if (a.startsWith('-I') && a.length > 2) { searchPath.push(a.slice(2)); continue }
    if (a.startsWith('--attr=')) { attrPaths.push(a.slice(7)); continue }
    if (a.startsWith('--include=')) { searchPath.push(a.slice(10)); continue }
    if (a.startsWith('-') && a !== '-') throw new InstantiateUsageError(`unrecognised flag '${a}'`)
    items.push(a)
  }
  return { mode, output, strict, location, fromArgs, showTrace, items, attrPaths, autoArgs, searchPath }
}
