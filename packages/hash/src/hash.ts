import type { Hash as NodeHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import {
  base16Decode,
  base16Encode,
  base64Decode,
  base64Encode,
  nix32Decode,
  nix32Encode,
  nix32EncodedLength,
} from './encoding.js'
import { HashError } from './errors.js'

/** The hash algorithms Nix 2.8 knows. */
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512'

/** Every {@link HashAlgorithm}, in Nix's order. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = Object.freeze(['md5', 'sha1', 'sha256', 'sha512'] as const)

/** Digest size in bytes of each algorithm. */
export const HASH_SIZE: Readonly<Record<HashAlgorithm, number>> = Object.freeze({ md5: 16, sha1: 20, sha256: 32, sha512: 64 })

/** How a hash is printed: hex, Nix's base-32, base64, or SRI (`algo-<base64>`). */
export type HashFormat = 'base16' | 'nix32' | 'base64' | 'sri'

/** Is `s` exactly one of Nix's algorithm names (lower case, as Nix requires)? */
export function isHashAlgorithm(s: string): s is HashAlgorithm {
  return s === 'md5' || s === 'sha1' || s === 'sha256' || s === 'sha512'
}

/**
 * Parse an algorithm name.
 * @throws {HashError} `unknown-algorithm`.
 */
export function parseHashAlgorithm(s: string): HashAlgorithm {
  if (!isHashAlgorithm(s)) throw new HashError('unknown-algorithm', `unknown hash algorithm ${JSON.stringify(s)}`)
  return s
}

const base16Length = (size: number): number => size * 2
const base64Length = (size: number): number => Math.ceil(size / 3) * 4

/** A digest together with its algorithm, as Nix's `Hash`. Immutable by convention. */
export class Hash {
  readonly algorithm: HashAlgorithm
  readonly digest: Uint8Array

  /**
   * @param digest copied; its length must be `HASH_SIZE[algorithm]`.
   * @throws {HashError} `unknown-algorithm`, `bad-length`.
   */
  constructor(algorithm: HashAlgorithm, digest: Uint8Array) {
    parseHashAlgorithm(algorithm)
    if (digest.length !== HASH_SIZE[algorithm]) {
      throw new HashError('bad-length', `${algorithm} digest must be ${HASH_SIZE[algorithm]} bytes, not ${digest.length}`)
    }
    this.algorithm = algorithm
    this.digest = Uint8Array.from(digest)
  }

  /**
   * Parse a hash in any form Nix 2.8 accepts (`Hash::parseAny`):
   * `algo:<base16|nix32|base64>`, SRI `algo-<base64>` (padding optional), or a bare
   * base16/nix32/base64 payload recognised by its length when `algorithm` is given.
   * Upper-case hex is accepted.
   * @throws {HashError} `unknown-algorithm`, `missing-algorithm`, `algorithm-mismatch`
   *   (prefix disagrees with `algorithm`), `bad-length`, `bad-base16`, `bad-nix32-char`,
   *   `nix32-high-bits`, `bad-base64`.
   */
  static parse(text: string, algorithm?: HashAlgorithm): Hash {
    let rest = text
    let sri = false
    let prefix: HashAlgorithm | undefined
    // Like Nix: a ':' separator wins; otherwise a '-' makes it SRI.
    let sep = text.indexOf(':')
    if (sep < 0) {
      sep = text.indexOf('-')
      sri = sep >= 0
    }
    if (sep >= 0) {
      prefix = parseHashAlgorithm(text.slice(0, sep))
      rest = text.slice(sep + 1)
    }
    if (algorithm !== undefined) parseHashAlgorithm(algorithm)
    if (prefix === undefined && algorithm === undefined) {
      throw new HashError('missing-algorithm', `hash ${JSON.stringify(text)} does not name its algorithm and none was given`)
    }
    if (prefix !== undefined && algorithm !== undefined && prefix !== algorithm) {
      throw new HashError('algorithm-mismatch', `hash ${JSON.stringify(text)} should have algorithm ${algorithm}`)
    }
    const algo = (prefix ?? algorithm) as HashAlgorithm
    const size = HASH_SIZE[algo]
    let digest: Uint8Array
    if (!sri && rest.length === base16Length(size)) digest = base16Decode(rest)
    else if (!sri && rest.length === nix32EncodedLength(size)) digest = nix32Decode(rest)
    else if (sri || rest.length === base64Length(size)) {
      digest = base64Decode(rest)
      if (digest.length !== size) {
        throw new HashError('bad-length', `${sri ? 'SRI' : 'base64'} hash ${JSON.stringify(text)} decodes to ${digest.length} bytes, ${algo} needs ${size}`)
      }
    } else {
      throw new HashError('bad-length', `hash ${JSON.stringify(text)} has wrong length ${rest.length} for algorithm ${algo}`)
    }
    return new Hash(algo, digest)
  }

  /**
   * Print in `format`. For base16/nix32/base64, `withPrefix` adds `algo:` (Nix's
   * `to_string(base, true)`); SRI is always `algo-<base64>`.
   */
  format(format: HashFormat, withPrefix = false): string {
    let body: string
    switch (format) {
      case 'base16': body = base16Encode(this.digest); break
      case 'nix32': body = nix32Encode(this.digest); break
      case 'base64': body = base64Encode(this.digest); break
      case 'sri': return `${this.algorithm}-${base64Encode(this.digest)}`
      default: throw new HashError('bad-length', `unknown hash format ${JSON.stringify(format as string)}`)
    }
    return withPrefix ? `${this.algorithm}:${body}` : body
  }

  /** Lower-case hex, no prefix. */
  toBase16(): string { return this.format('base16') }
  /** Nix base-32, no prefix. */
  toNix32(): string { return this.format('nix32') }
  /** Padded base64, no prefix. */
  toBase64(): string { return this.format('base64') }
  /** `algo-<base64>`. */
  toSri(): string { return this.format('sri') }
  /** `algo:<nix32>`, the form Nix prints most often (e.g. `nix-store -q --hash`). */
  toString(): string { return this.format('nix32', true) }

  /** Same algorithm and same digest bytes. */
  equals(other: Hash): boolean {
    if (this.algorithm !== other.algorithm || this.digest.length !== other.digest.length) return false
    for (let i = 0; i < this.digest.length; i++) if (this.digest[i] !== other.digest[i]) return false
    return true
  }
}

/** An incremental hash: feed it with `update`, finish once with `digest`. */
export interface Hasher {
  update(data: Uint8Array | string): Hasher
  digest(): Hash
}

// (node:crypto loads with the first hash, not with this module: ≈ 4 ms of a tool that only
// parses and prints hashes)
let nodeCrypto: typeof import('node:crypto') | undefined

class NodeHasher implements Hasher {
  readonly #algorithm: HashAlgorithm
  readonly #inner: NodeHash
  constructor(algorithm: HashAlgorithm) {
    this.#algorithm = algorithm
    this.#inner = (nodeCrypto ??= process.getBuiltinModule('node:crypto')).createHash(algorithm)
  }
  update(data: Uint8Array | string): Hasher {
    if (typeof data === 'string') this.#inner.update(data, 'utf8')
    else this.#inner.update(data)
    return this
  }
  digest(): Hash {
    return new Hash(this.#algorithm, this.#inner.digest())
  }
}

/**
 * Start an incremental hash. Strings are hashed as UTF-8.
 * @throws {HashError} `unknown-algorithm`.
 */
export function createHasher(algorithm: HashAlgorithm): Hasher {
  parseHashAlgorithm(algorithm)
  return new NodeHasher(algorithm)
}

/**
 * Hash bytes (or a string as UTF-8) in one go.
 * @throws {HashError} `unknown-algorithm`.
 */
export function hashBytes(algorithm: HashAlgorithm, data: Uint8Array | string): Hash {
  return createHasher(algorithm).update(data).digest()
}

/**
 * Flat hash of a file's contents (not its NAR), streamed with bounded memory
 * (`nix-hash --flat`, `nix hash file`).
 * @throws {HashError} `unknown-algorithm`, or `io` (with the fs error as `cause`) when the
 *   file cannot be read.
 */
export async function hashFile(algorithm: HashAlgorithm, path: string): Promise<Hash> {
  const hasher = createHasher(algorithm)
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) hasher.update(chunk as Buffer)
  } catch (err) {
    const why = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err)
    throw new HashError('io', `cannot read file: ${why} (${JSON.stringify(path)})`, { cause: err })
  }
  return hasher.digest()
}

/**
 * Fold a digest to `size` bytes by XOR-ing byte i into position i mod size (Nix's
 * `compressHash`, used for store path hash parts and `nix-hash --truncate`).
 * @throws {RangeError} when `size` is not a positive integer.
 */
export function compressHash(digest: Uint8Array, size: number): Uint8Array {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`invalid compressed hash size ${size}`)
  const out = new Uint8Array(size)
  for (let i = 0; i < digest.length; i++) out[i % size] = (out[i % size] ?? 0) ^ (digest[i] ?? 0)
  return out
}
