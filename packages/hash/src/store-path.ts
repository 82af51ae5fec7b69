import { DEFAULT_STORE_DIR } from './constants.js'
import { nix32Encode } from './encoding.js'
import { HashError, StorePathError } from './errors.js'
import { compressHash, Hash, hashBytes } from './hash.js'
import { STORE_PATH_HASH_SIZE, isStorePath, validateStoreDir, validateStorePathName } from './store-path-name.js'

const quote = (s: string): string => JSON.stringify(s)

/**
 * Nix's `makeStorePath`: the store path whose hash part is
 * `nix32(compressHash(sha256("<type>:<algo>:<base16 hash>:<storeDir>:<name>"), 20))`.
 * @throws {StorePathError} bad name or store dir.
 */
export function makeStorePath(type: string, hash: Hash, name: string, storeDir: string = DEFAULT_STORE_DIR): string {
  validateStoreDir(storeDir)
  validateStorePathName(name)
  const fingerprint = `${type}:${hash.format('base16', true)}:${storeDir}:${name}`
  const hashPart = nix32Encode(compressHash(hashBytes('sha256', fingerprint).digest, STORE_PATH_HASH_SIZE))
  return `${storeDir}/${hashPart}-${name}`
}

function sortedUnique(references: readonly string[]): string[] {
  // Nix keeps references in a std::set<StorePath>, ordered by base name bytes; within one
  // store dir that is the order of the full paths (ASCII, so code-unit order = byte order).
  return [...new Set(references)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * Nix's `makeType`: `type` followed by `:<reference>` for each reference (full store paths,
 * sorted and de-duplicated here as Nix's set does) and `:self` when self-referencing.
 */
export function makeType(type: string, references: readonly string[], selfReference = false): string {
  let out = type
  for (const ref of sortedUnique(references)) out += `:${ref}`
  if (selfReference) out += ':self'
  return out
}

function checkReferences(references: readonly string[], storeDir: string): void {
  for (const ref of references) {
    if (!isStorePath(ref, storeDir)) throw new StorePathError('bad-reference', `reference ${quote(ref)} is not a store path in ${quote(storeDir)}`)
  }
}

/**
 * Path of a text object (`builtins.toFile`, `.drv` files): type `text` plus references,
 * `contentHash` = sha256 of the contents.
 * @throws {StorePathError} `bad-hash` unless sha256, `bad-reference`, bad name or store dir.
 */
export function makeTextPath(name: string, contentHash: Hash, references: readonly string[], storeDir: string = DEFAULT_STORE_DIR): string {
  if (contentHash.algorithm !== 'sha256') {
    throw new StorePathError('bad-hash', `text paths need a sha256 content hash, not ${contentHash.algorithm} (${quote(name)})`)
  }
  validateStoreDir(storeDir)
  checkReferences(references, storeDir)
  return makeStorePath(makeType('text', references), contentHash, name, storeDir)
}

/** How a file system object was hashed for its content address: its bytes, or its NAR. */
export type ContentAddressMethod = 'flat' | 'recursive'

/**
 * Nix's `makeFixedOutputPath`. Recursive sha256 gives a `source` path (as `nix-store --add`,
 * path interpolation and `builtins.path` do; references and self allowed). Anything else
 * hashes `fixed:out:[r:]<algo>:<base16>:` into an `output:out` path and allows no references.
 * @throws {StorePathError} `bad-reference` (references where none are allowed, or not a
 *   store path), bad name or store dir.
 */
export function makeFixedOutputPath(
  name: string,
  options: { method: ContentAddressMethod; hash: Hash; references?: readonly string[]; selfReference?: boolean },
  storeDir: string = DEFAULT_STORE_DIR,
): string {
  const { method, hash, references = [], selfReference = false } = options
  validateStoreDir(storeDir)
  if (method !== 'flat' && method !== 'recursive') {
    throw new StorePathError('bad-hash', `unknown content address method ${quote(String(method))}`)
  }
  checkReferences(references, storeDir)
  if (hash.algorithm === 'sha256' && method === 'recursive') {
    return makeStorePath(makeType('source', references, selfReference), hash, name, storeDir)
  }
  if (references.length > 0 || selfReference) {
    throw new StorePathError('bad-reference', `fixed-output paths other than recursive sha256 cannot have references (${quote(name)})`)
  }
  const inner = hashBytes('sha256', `fixed:out:${method === 'recursive' ? 'r:' : ''}${hash.format('base16', true)}:`)
  return makeStorePath('output:out', inner, name, storeDir)
}

/** Name of a derivation output's path: `drvName` for `out`, `drvName-outputName` otherwise. */
export function outputPathName(drvName: string, outputName: string): string {
  return outputName === 'out' ? drvName : `${drvName}-${outputName}`
}

/**
 * Path of an input-addressed derivation output: type `output:<outputName>`, `drvHash` =
 * the derivation's hash modulo fixed-output inputs.
 * @throws {StorePathError} bad name or store dir.
 */
export function makeOutputPath(outputName: string, drvHash: Hash, drvName: string, storeDir: string = DEFAULT_STORE_DIR): string {
  return makeStorePath(`output:${outputName}`, drvHash, outputPathName(drvName, outputName), storeDir)
}

/**
 * The content address as Nix stores it in the DB `ca` column:
 * `text:sha256:<nix32>`, `fixed:<algo>:<nix32>` or `fixed:r:<algo>:<nix32>`.
 */
export function renderContentAddress(method: ContentAddressMethod | 'text', hash: Hash): string {
  const h = hash.format('nix32', true)
  switch (method) {
    case 'text': return `text:${h}`
    case 'flat': return `fixed:${h}`
    case 'recursive': return `fixed:r:${h}`
    default: throw new StorePathError('bad-hash', `unknown content address method ${quote(String(method))}`)
  }
}

/** A parsed content address. */
export interface ContentAddress {
  readonly method: ContentAddressMethod | 'text'
  readonly hash: Hash
}

/**
 * Parse a content address as rendered by {@link renderContentAddress} (the hash may be in any
 * prefixed form Nix accepts).
 * @throws {HashError} `bad-content-address`, or the hash's own parse error.
 */
export function parseContentAddress(text: string): ContentAddress {
  let method: ContentAddressMethod | 'text'
  let rest: string
  if (text.startsWith('text:')) {
    method = 'text'
    rest = text.slice(5)
  } else if (text.startsWith('fixed:r:')) {
    method = 'recursive'
    rest = text.slice(8)
  } else if (text.startsWith('fixed:')) {
    method = 'flat'
    rest = text.slice(6)
  } else {
    throw new HashError('bad-content-address', `content address ${quote(text)} does not start with 'text:' or 'fixed:'`)
  }
  if (!/^[a-z0-9]+:/.test(rest)) {
    throw new HashError('bad-content-address', `content address ${quote(text)} lacks an 'algo:' hash prefix`)
  }
  const hash = Hash.parse(rest)
  if (method === 'text' && hash.algorithm !== 'sha256') {
    throw new HashError('bad-content-address', `text content address ${quote(text)} must use sha256`)
  }
  return Object.freeze({ method, hash })
}
