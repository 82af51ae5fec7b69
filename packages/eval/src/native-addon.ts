/**
 * The native addon (`@tsnix/native`, Rust) for the evaluator's hot paths, loaded on first use:
 * its parser (native-parse.ts), `hashString`'s digests (hash-lazy.ts) and its evaluator
 * (native-eval.ts). Each has a TS twin that runs when the addon is not built or
 * `TSNIX_NATIVE=0`.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** What the evaluator uses of the addon. */
export interface NativeAddon {
  parseNix(src: Uint8Array): Int32Array | null
  hashLatin1(algorithm: string, text: string): string
  /** Absent from addons built before it. */
  evalNix?(src: Uint8Array, baseDir: Uint8Array, json: boolean, storeDir: Uint8Array, envAccess: boolean, attrPaths?: Buffer[]): Buffer | null
}

/** The addon's file, beside its package.json (the ESM entry of `@tsnix/native` cannot be bundled as CommonJS). */
const ADDON_FILE = 'tsnix-native.linux-x64-gnu.node'

let addon: NativeAddon | null | undefined

function load(): NativeAddon | null {
  try {
    const require = createRequire(import.meta.url)
    const dir = dirname(require.resolve('@tsnix/native/package.json'))
    const mod = require(join(dir, ADDON_FILE)) as Partial<NativeAddon>
    // (an addon built before one of the functions is as good as none)
    return typeof mod.parseNix === 'function' && typeof mod.hashLatin1 === 'function' ? (mod as NativeAddon) : null
  } catch {
    return null
  }
}

/** The addon, or null when it is not built or `TSNIX_NATIVE=0` (read at each call). */
export function nativeAddon(): NativeAddon | null {
  if (process.env['TSNIX_NATIVE'] === '0') return null
  if (addon === undefined) addon = load()
  return addon
}
