/**
 * Hashing for `hashString`, `hashFile` and `placeholder`, with node:crypto loaded on first
 * use: most evaluations hash nothing, and loading `@tsnix/hash` (with node:crypto) at start-up
 * is a tenth of a small evaluation's time. The builtins are synchronous, so the module is
 * fetched with `process.getBuiltinModule` (Node 20.16+ / 22.3+, within `engines`).
 * `hashString` uses the native addon where it is built: loading node:crypto (≈ 5 ms) and its
 * digest lookup at every call (≈ 2.5 µs) cost more than hashing a short string.
 * Nix's base-32, the default store dir and store path checks come from `@tsnix/hash/light`,
 * which loads no hashing.
 */
import { nativeAddon } from './native-addon.js'

/** The hash algorithms of Nix (`HashAlgorithm` of `@tsnix/hash`). */
export type HashAlgo = 'md5' | 'sha1' | 'sha256' | 'sha512'

let crypto: typeof import('node:crypto') | undefined

/** The digest of `data` (a byte string or bytes). */
export function digest(algo: HashAlgo, data: string | Uint8Array): Buffer {
  crypto ??= process.getBuiltinModule('node:crypto')
  const h = crypto.createHash(algo)
  if (typeof data === 'string') h.update(data, 'latin1')
  else h.update(data)
  return h.digest()
}

const NON_ASCII = /[^\x00-\x7f]/

/**
 * The base-16 digest of a byte string or bytes: the native addon's for strings, else
 * {@link cryptoDigestHex}.
 */
export function digestHex(algo: HashAlgo, data: string | Uint8Array): string {
  if (typeof data === 'string') {
    const addon = nativeAddon()
    if (addon !== null) return addon.hashLatin1(algo, data)
  }
  return cryptoDigestHex(algo, data)
}

/** {@link digestHex} with node:crypto (one-shot `crypto.hash` where Node has it): the addon's twin. */
export function cryptoDigestHex(algo: HashAlgo, data: string | Uint8Array): string {
  crypto ??= process.getBuiltinModule('node:crypto')
  // crypto.hash encodes strings as UTF-8: pass byte strings with high bytes as bytes
  const bytes = typeof data === 'string' && NON_ASCII.test(data) ? Buffer.from(data, 'latin1') : data
  if (typeof crypto.hash === 'function') return crypto.hash(algo, bytes, 'hex')
  return crypto.createHash(algo).update(bytes).digest('hex')
}

export { nix32Encode as nix32, DEFAULT_STORE_DIR, isStorePath } from '@tsnix/hash/light'
