import { createRequire } from 'node:module'

/** The functions `@tsnix/native` provides (the contract the Rust addon implements). */
export interface NativeAddon {
  narHashPath(path: string, algorithm: string): Promise<{ digest: Buffer; size: number }>
  scanReferences(path: string, hashParts: string[]): Promise<string[]>
  narHashAndScan(path: string, algorithm: string, hashParts: string[]): Promise<{ digest: Buffer; size: number; references: string[] }>
  scanBytes(data: Uint8Array, hashParts: string[]): string[]
}

let cached: NativeAddon | null | undefined

function load(): NativeAddon | null {
  try {
    const mod = createRequire(import.meta.url)('@tsnix/native') as Partial<NativeAddon>
    const ok = typeof mod.narHashPath === 'function' && typeof mod.scanReferences === 'function'
      && typeof mod.narHashAndScan === 'function' && typeof mod.scanBytes === 'function'
    return ok ? (mod as NativeAddon) : null
  } catch {
    return null
  }
}

/**
 * The native addon when it is built and loadable, else `null` (the pure-TS twins are used).
 * `TSNIX_NATIVE=0` in the environment forces the TS path; it is read on every call.
 */
export function native(): NativeAddon | null {
  if (process.env['TSNIX_NATIVE'] === '0') return null
  if (cached === undefined) cached = load()
  return cached
}

/** True when the native addon is loaded and will be used (false under `TSNIX_NATIVE=0`). */
export function nativeAvailable(): boolean {
  return native() !== null
}
