import { DEFAULT_STORE_DIR } from './constants.js'
import { NIX32_ALPHABET, nix32Encode } from './encoding.js'
import { HashError, StorePathError } from './errors.js'
import { compressHash, Hash, hashBytes } from './hash.js'

/** Bytes of the compressed sha256 that names a store path. */
export const STORE_PATH_HASH_SIZE = 20
/** Characters of the hash part: nix32 of {@link STORE_PATH_HASH_SIZE} bytes. */
export const HASH_PART_LENGTH = 32
/** Longest allowed store path name (Nix 2.8 `StorePath::MaxPathLen`). */
export const MAX_STORE_PATH_NAME_LENGTH = 211

/** A parsed store path `<storeDir>/<hashPart>-<name>`. */
export interface StorePath {
  readonly storeDir: string
  readonly hashPart: string
  readonly name: string
  /** The full path, `${storeDir}/${hashPart}-${name}`. */
  readonly path: string
}

const quote = (s: string): string => JSON.stringify(s)

/**
 * Check a store directory: absolute, no trailing slash, no empty, `.` or `..` components.
 * @throws {StorePathError} `bad-store-dir`.
 */
export function validateStoreDir(storeDir: string): void {
  if (!storeDir.startsWith('/') || storeDir.length < 2 || storeDir.endsWith('/') || storeDir.includes('\0')) {
    throw new StorePathError('bad-store-dir', `store directory must be an absolute path without a trailing slash (${quote(storeDir)})`)
  }
  for (const part of storeDir.slice(1).split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new StorePathError('bad-store-dir', `store directory must be a canonical path (${quote(storeDir)})`)
    }
  }
}

function isNameChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 97 && code <= 122) || // a-z
    (code >= 65 && code <= 90) || // A-Z
    code === 43 || code === 45 || code === 46 || code === 95 || code === 63 || code === 61 // + - . _ ? =
  )
}

/**
 * Check a store path name as Nix 2.8 does (`checkName` in src/libstore/path.cc): 1 to 211
 * characters of `[A-Za-z0-9+\-._?=]`. Nix 2.8 allows a leading `.` (even `.` and `..`:
 * `builtins.toFile ".x" ""` works), so this does too; later Nix versions forbid some of these.
 * @throws {StorePathError} `empty-name`, `name-too-long`, `bad-name-char` (naming the
 *   character and its position in the name).
 */
export function validateStorePathName(name: string): void {
  if (name.length === 0) throw new StorePathError('empty-name', 'name is empty')
  if (name.length > MAX_STORE_PATH_NAME_LENGTH) {
    throw new StorePathError('name-too-long', `name is ${name.length} characters, longer than ${MAX_STORE_PATH_NAME_LENGTH} (${quote(name)})`)
  }
  for (let i = 0; i < name.length; i++) {
    if (!isNameChar(name.charCodeAt(i))) {
      const ch = String.fromCodePoint(name.codePointAt(i) ?? 0)
      throw new StorePathError('bad-name-char', `invalid character ${quote(ch)} at position ${i} in name ${quote(name)}`)
    }
  }
}

function parseBaseName(baseName: string, storeDir: string, path: string): StorePath {
  if (baseName.length < HASH_PART_LENGTH + 1) {
    throw new StorePathError('too-short', `${quote(baseName)} is too short to be a store path name (${quote(path)})`)
  }
  for (let i = 0; i < HASH_PART_LENGTH; i++) {
    if (!NIX32_ALPHABET.includes(baseName[i]!)) {
      throw new StorePathError('bad-hash-part', `invalid nix32 character ${quote(baseName[i]!)} at position ${i} of the hash part (${quote(path)})`)
    }
  }
  if (baseName[HASH_PART_LENGTH] !== '-') {
    throw new StorePathError('missing-dash', `expected '-' after the ${HASH_PART_LENGTH}-character hash part (${quote(path)})`)
  }
  const name = baseName.slice(HASH_PART_LENGTH + 1)
  try {
    validateStorePathName(name)
  } catch (err) {
    if (err instanceof StorePathError) throw new StorePathError(err.code, `${err.message.replace(/^store path: /, '')} (${quote(path)})`)
    throw err
  }
  return Object.freeze({ storeDir, hashPart: baseName.slice(0, HASH_PART_LENGTH), name, path })
}

/**
 * Parse an exact store path `<storeDir>/<32 nix32 chars>-<name>` (no trailing `/` or
 * components; use {@link toStorePath} for paths inside a store object).
 * @throws {StorePathError} `bad-store-dir`, `not-in-store`, `too-short`, `bad-hash-part`,
 *   `missing-dash`, `empty-name`, `name-too-long`, `bad-name-char`.
 */
export function parseStorePath(path: string, storeDir: string = DEFAULT_STORE_DIR): StorePath {
  validateStoreDir(storeDir)
  if (!path.startsWith(`${storeDir}/`)) {
    throw new StorePathError('not-in-store', `path ${quote(path)} is not in the store ${quote(storeDir)}`)
  }
  const baseName = path.slice(storeDir.length + 1)
  if (baseName.includes('/')) {
    throw new StorePathError('not-in-store', `path ${quote(path)} is inside a store object, not a store path`)
  }
  return parseBaseName(baseName, storeDir, path)
}

/** Is `path` exactly a valid store path in `storeDir`? Never throws for a bad path (only for a bad `storeDir`). */
export function isStorePath(path: string, storeDir: string = DEFAULT_STORE_DIR): boolean {
  validateStoreDir(storeDir)
  try {
    parseStorePath(path, storeDir)
    return true
  } catch (err) {
    if (err instanceof StorePathError) return false
    throw err
  }
}

/**
 * The store path a path inside the store belongs to:
 * `/nix/store/<h>-<n>/bin/x` → the store path `/nix/store/<h>-<n>` (Nix's `toStorePath`).
 * @throws {StorePathError} as {@link parseStorePath}; `not-in-store` for the store dir itself.
 */
export function toStorePath(pathInStore: string, storeDir: string = DEFAULT_STORE_DIR): StorePath {
  validateStoreDir(storeDir)
  if (!pathInStore.startsWith(`${storeDir}/`) || pathInStore.length < storeDir.length + 2) {
    throw new StorePathError('not-in-store', `path ${quote(pathInStore)} is not in the store ${quote(storeDir)}`)
  }
  const slash = pathInStore.indexOf('/', storeDir.length + 1)
  return parseStorePath(slash < 0 ? pathInStore : pathInStore.slice(0, slash), storeDir)
}

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
