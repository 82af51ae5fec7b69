/**
 * @tsnix/store-db — the Nix store database: SQLite schema v10 exactly as Nix 2.8 creates it
 * (tables ValidPaths, Refs, DerivationOutputs; src/libstore/schema.sql), Nix's pragmas and
 * column formats (src/libstore/local-store.cc), atomic registration and invalidation, and
 * graph queries (references, referrers, closures in Nix's topological print order) that load
 * what they need in one query. Works on databases written by real Nix and vice versa.
 */
export { StoreDbError, type StoreDbErrorCode } from './errors.js'
export {
  SCHEMA_VERSION,
  SCHEMA_SQL,
  DB_FILE_NAME,
  SCHEMA_FILE_NAME,
  BUSY_TIMEOUT_MS,
  WAL_AUTOCHECKPOINT_PAGES,
} from './schema.js'
export {
  StoreDb,
  readSchemaVersion,
  type PathInfo,
  type NewPathInfo,
  type OpenStoreDbOptions,
  type ClosureOptions,
  type PathGraph,
} from './db.js'
export { topoSortPaths, comparePaths } from './topo-sort.js'
