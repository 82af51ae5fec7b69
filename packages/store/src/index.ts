/**
 * @tsnix/store — a local Nix store over @tsnix/store-db, @tsnix/nar and @tsnix/hash, laid
 * out as Nix 2.8's LocalStore (src/libstore/local-store.cc, local-fs-store.hh): store
 * configuration (`--store`, NIX_STORE_DIR, NIX_STATE_DIR, NIX_LOG_DIR, the per-user default),
 * crash-consistent add-to-store under path locks, `--verify`, and the `nix-store -q` queries
 * with Nix's exact output (src/nix-store/nix-store.cc, dotgraph.cc).
 */
export { StoreError, type StoreErrorCode } from './errors.js'
export {
  type StoreConfig,
  type ResolveStoreOptions,
  DEFAULT_STATE_DIR,
  DEFAULT_LOG_DIR,
  resolveStoreConfig,
  toRealPath,
} from './config.js'
export { STORE_MTIME, canonicalisePath } from './canonicalise.js'
export { followLinksToStorePath, storePathOf } from './paths.js'
export { type PathLock, LOCK_TIMEOUT_MS, lockPath } from './locks.js'
export {
  LocalStore,
  type IngestionMethod,
  type AddPathOptions,
  type VerifyMessage,
  type VerifyResult,
  type OpenLocalStoreOptions,
} from './local-store.js'
export {
  type QueryKind,
  type RunQueryOptions,
  type PathInfoJson,
  runQuery,
  renderTree,
  renderDotGraph,
  pathInfoJson,
} from './query.js'
