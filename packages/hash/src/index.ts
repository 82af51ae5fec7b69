/**
 * @tsnix/hash — Nix's hashes and store paths, byte-compatible with Nix 2.8.
 *
 * Hashes: md5/sha1/sha256/sha512 printed and parsed as base16, Nix's base-32 ("nix32",
 * reversed bit order, alphabet without e/o/u/t), base64 and SRI (Nix src/libutil/hash.cc).
 * Store paths: `<storeDir>/<nix32 of a 20-byte compressed sha256>-<name>` and the
 * makeStorePath family (Nix src/libstore/store-api.cc, path.cc, content-address.cc).
 * The store directory is always a parameter; it is part of every store path's hash.
 */
// the part that loads no hashing code: encodings, the default store dir, store path checks
export * from './light.js'
export { HashError, type HashErrorCode, type StorePathErrorCode } from './errors.js'
export {
  type HashAlgorithm,
  HASH_ALGORITHMS,
  HASH_SIZE,
  type HashFormat,
  isHashAlgorithm,
  parseHashAlgorithm,
  Hash,
  type Hasher,
  createHasher,
  hashBytes,
  hashFile,
  compressHash,
} from './hash.js'
export {
  makeStorePath,
  makeType,
  makeTextPath,
  type ContentAddressMethod,
  makeFixedOutputPath,
  outputPathName,
  makeOutputPath,
  renderContentAddress,
  type ContentAddress,
  parseContentAddress,
} from './store-path.js'
