/**
 * @tsnix/nar — Nix archives (NAR), byte-compatible with Nix 2.8.
 *
 * Format (src/libutil/archive.cc): strings are a 64-bit little-endian length, the bytes and zero
 * padding to 8; the archive is `nix-archive-1` then a node: `( type regular [executable ""]
 * contents <data> )`, `( type symlink target <t> )` or `( type directory (entry ( name <n> node
 * <node> ))* )` with entries sorted by name bytes. Reference scanning follows
 * src/libstore/references.cc: a hash part is a reference when it occurs anywhere in the NAR.
 */
export { NAR_MAGIC, MAX_NAME_LENGTH, MAX_TARGET_LENGTH, REF_LENGTH } from './constants.js'
export { NarError, type NarErrorCode } from './errors.js'
export { dumpPath, type NarField } from './dump.js'
export {
  narEntries,
  type NarEntry,
  type NarDirectoryEntry,
  type NarRegularEntry,
  type NarSymlinkEntry,
} from './read.js'
export { restoreNar } from './restore.js'
export { listNar, listingToJson, formatListing, catNar, type NarListing } from './ls.js'
export {
  narHashPath,
  scanReferences,
  narHashAndScan,
  scanBytes,
  locateReferences,
  locateStorePaths,
  type ReferenceLocation,
} from './hash-path.js'
export { RefScanner, StorePathScanner, isHashPart } from './scan.js'
export { nativeAvailable } from './native.js'
