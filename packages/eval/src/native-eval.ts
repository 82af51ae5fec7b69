/**
 * The native evaluator's fast path for `instantiate --eval --strict` (with or without `--json`
 * and `-A`): the addon's Rust evaluator (native/src/nixeval) evaluates the program and returns
 * the output, or declines — on any error, and on whatever it leaves to this package (string
 * context, the store, regular expressions, `trace`, a value printed twice, …) — and then the
 * TS evaluator runs as if it had not been asked. The TS evaluator is its twin: tests compare
 * the two outputs on the differential corpora. `TSNIX_NATIVE_EVAL=0` turns it off where
 * `runInstantiate`'s `native` option does not say.
 */
import { lstatSync, readFileSync } from 'node:fs'
import { DEFAULT_STORE_DIR } from '@tsnix/hash/light'
import type { InstantiateOptions } from './instantiate.js'
import { nativeAddon } from './native-addon.js'
import { byteString, canonPath } from './source.js'

/** What the fast path needs of `nix-instantiate`'s options (byte strings). */
export interface NativeEvalJob {
  /** A file's path, or the expression itself with `fromArgs`. */
  item: string
  fromArgs: boolean
  json: boolean
  /** Directory of `-E` expressions (byte string). */
  cwd: string
  storeDir: string
  /** `-A` paths (byte strings); none: the whole value. */
  attrPaths: readonly string[]
}

/**
 * Set by the tool's entry when the native evaluator declined the program: the full tool, run
 * next in the same process, then goes straight to the TS evaluator (see instantiate-fast.ts).
 */
const DECLINED = Symbol.for('tsnix.eval.nativeDeclined')

export function markNativeDeclined(): void {
  ;(globalThis as Record<symbol, unknown>)[DECLINED] = true
}

/** The native evaluator's job when the options are within what it does (`InstantiateOptions.native`). */
export function nativeJob(opts: InstantiateOptions, cwd: string): NativeEvalJob | undefined {
  const native = opts.native ?? (process.env['TSNIX_NATIVE_EVAL'] !== '0' && (globalThis as Record<symbol, unknown>)[DECLINED] !== true)
  if (!native || opts.mode !== 'eval' || opts.strict !== true || opts.io !== undefined) return undefined
  if (opts.output === 'xml' || (opts.autoArgs ?? []).length > 0) return undefined
  const items = opts.items ?? []
  if (items.includes('-') || items.length > 1 || (items.length === 0 && opts.fromArgs === true)) return undefined
  return {
    item: items.length === 0 ? './default.nix' : byteString(items[0]!),
    fromArgs: opts.fromArgs === true,
    json: opts.output === 'json',
    cwd,
    storeDir: byteString(opts.storeDir ?? DEFAULT_STORE_DIR),
    attrPaths: (opts.attrPaths ?? []).map(byteString),
  }
}

/** The file an item names, when it is a regular file or a directory's regular `default.nix`. */
function regularFile(path: string): string | undefined {
  try {
    const st = lstatSync(Buffer.from(path, 'latin1'))
    if (st.isFile()) return path
    if (!st.isDirectory()) return undefined
    const file = canonPath(`${path}/default.nix`)
    return lstatSync(Buffer.from(file, 'latin1')).isFile() ? file : undefined
  } catch {
    return undefined
  }
}

/**
 * The output (a byte string) of evaluating the job natively, or undefined when the TS
 * evaluator must run: no addon (or one without the evaluator), an item that is not a regular
 * file (symbolic links, `<…>`), or a decline.
 */
export function evalNatively(job: NativeEvalJob): string | undefined {
  const addon = nativeAddon()
  if (addon === null || addon.evalNix === undefined) return undefined
  let text: Buffer
  let dir: string
  if (job.fromArgs) {
    text = Buffer.from(job.item, 'latin1')
    dir = job.cwd
  } else {
    if (job.item.startsWith('<') && job.item.endsWith('>')) return undefined
    const file = regularFile(canonPath(job.item, job.cwd))
    if (file === undefined) return undefined
    text = readFileSync(Buffer.from(file, 'latin1'))
    dir = file.slice(0, Math.max(1, file.lastIndexOf('/')))
  }
  // (`getEnv` is left to the TS evaluator: a worker thread's process.env is its own copy)
  const paths = job.attrPaths.map((p) => Buffer.from(p, 'latin1'))
  const out = addon.evalNix(text, Buffer.from(dir, 'latin1'), job.json, Buffer.from(job.storeDir, 'latin1'), false, paths)
  return out === null ? undefined : out.toString('latin1')
}
