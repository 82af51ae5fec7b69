/**
 * `@tsnix/hash/light`: the parts of this package that load no hashing code (no node:crypto),
 * for consumers whose start-up time counts (the evaluator hashes only when a program asks).
 */
export {
  NIX32_ALPHABET,
  nix32Encode,
  nix32Decode,
  nix32EncodedLength,
  base16Encode,
  base16Decode,
  base64Encode,
  base64Decode,
} from './encoding.js'
export { DEFAULT_STORE_DIR } from './constants.js'
export {
  STORE_PATH_HASH_SIZE, HASH_PART_LENGTH, MAX_STORE_PATH_NAME_LENGTH, validateStoreDir, validateStorePathName,
  parseStorePath, isStorePath, toStorePath, type StorePath,
} from './store-path-name.js'
export { StorePathError } from './errors.js'
