/**
 * Store paths as names: checking store directories and names, parsing store paths. No hashing
 * here (so `@tsnix/hash/light` can offer it without loading node:crypto).
 */
import { DEFAULT_STORE_DIR } from './constants.js'
import { NIX32_ALPHABET } from './encoding.js'
import { StorePathError } from './errors.js'

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
